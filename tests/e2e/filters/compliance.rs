//! `AccountFilter.complianceIn`: accounts with a metric of an agreement in force in one of the
//! given states in its current period, kept current as measurements and agreements change.

use chrono::{TimeDelta, Utc};
use rapport_tests::{
    TestApp, calendar, complete_sections, credit_rule, earlier_today, measurement, metric,
    sections_with, spawn_app,
};
use serde_json::{Value, json};

use super::{ids, refused};

const ACCOUNTS: &str = "query($filter: AccountFilter, $first: Int, $after: String) {
  accounts(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id name }
  }
}";

/// A client with an ACTIVE agreement whose `frt` was measured at `value` minutes (target
/// 60, warning from 45) at `at`, if given: (account, agreement).
async fn measured(
    app: &TestApp,
    token: Option<&str>,
    name: &str,
    frt: Option<(&str, chrono::DateTime<Utc>)>,
) -> (String, String) {
    let (account, agreement) = match token {
        None => {
            let fx = app.client_with_agreement(name, complete_sections()).await;
            (fx.account, fx.agreement)
        }
        Some(partner) => {
            let account = app.account_as(partner, name, json!({})).await;
            let manager = app.member("ACCOUNT_MANAGER").await;
            app.promote(&account, &manager.0, 1).await;
            let (agreement, _, _) = app.active_agreement(&account, complete_sections()).await;
            (account, agreement)
        }
    };
    if let Some((value, at)) = frt {
        app.record_measurements(
            &app.admin_token.clone(),
            &agreement,
            json!([measurement("frt", value, at)]),
        )
        .await
        .ok();
    }
    (account, agreement)
}

async fn accounts(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let res = app
        .gql_as(
            Some(token),
            ACCOUNTS,
            json!({"filter": filter, "first": 50}),
        )
        .await
        .ok();
    let mut got = ids(&res, "/accounts");
    assert_eq!(
        res.data("/accounts/totalCount").as_u64(),
        Some(got.len() as u64),
        "{}",
        res.body
    );
    got.sort();
    got
}

fn sorted(v: &[&String]) -> Vec<String> {
    super::set(v)
}

#[tokio::test]
async fn accounts_filter_by_the_current_compliance_of_their_agreements_in_force() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let now = earlier_today(5);
    let (_, partner) = app.partner("Referrer").await;
    let (breached, breached_agreement) =
        measured(&app, None, "Breached Alpha", Some(("100", now))).await;
    let (at_risk, at_risk_agreement) = measured(&app, None, "At risk", Some(("50", now))).await;
    let (compliant, _) = measured(&app, None, "Compliant", Some(("30", now))).await;
    let (_unmeasured, _) = measured(&app, None, "Not measured", None).await;
    // Breached last month only: this month it is not measured.
    let (_past, _) = measured(
        &app,
        None,
        "Breached before",
        Some(("100", calendar().last_month)),
    )
    .await;
    let (referred, _) =
        measured(&app, Some(&partner), "Partner Breached", Some(("100", now))).await;
    app.contact(&at_risk, "Rita", Some("rita@example.com"))
        .await;
    app.contact(&breached, "Bert", Some("bert@example.com"))
        .await;

    let cases: Vec<(Value, Vec<&String>)> = vec![
        (
            json!({"complianceIn": ["BREACHED"]}),
            vec![&breached, &referred],
        ),
        (
            json!({"complianceIn": ["BREACHED", "AT_RISK"]}),
            vec![&breached, &at_risk, &referred],
        ),
        (json!({"complianceIn": ["COMPLIANT"]}), vec![&compliant]),
        (
            json!({"complianceIn": ["BREACHED"], "search": "alpha"}),
            vec![&breached],
        ),
        (
            json!({"complianceIn": ["BREACHED"], "relationshipType": "CUSTOMER"}),
            vec![],
        ),
    ];
    for (filter, want) in &cases {
        assert_eq!(
            accounts(&app, &admin, filter.clone()).await,
            sorted(want),
            "filter {filter}"
        );
    }

    // Keyset pages under the filter.
    let filter = json!({"complianceIn": ["BREACHED", "AT_RISK"]});
    let first = app
        .gql(ACCOUNTS, json!({"filter": filter, "first": 2}))
        .await
        .ok();
    assert_eq!(
        ids(&first, "/accounts"),
        [breached.clone(), at_risk.clone()]
    );
    assert_eq!(first.data("/accounts/pageInfo/hasNextPage"), true);
    let rest = app
        .gql(
            ACCOUNTS,
            json!({"filter": filter, "first": 2, "after": first.data("/accounts/pageInfo/endCursor")}),
        )
        .await
        .ok();
    assert_eq!(ids(&rest, "/accounts"), vec![referred.clone()]);

    // Nested: contacts by their account's compliance.
    let contacts = app
        .gql(
            "query($filter: ContactFilter) { contacts(first: 10, filter: $filter) { nodes { id firstName } } }",
            json!({"filter": {"account": {"complianceIn": ["AT_RISK"]}}}),
        )
        .await
        .ok();
    assert_eq!(
        contacts.data("/contacts/nodes/0/firstName"),
        "Rita",
        "{}",
        contacts.body
    );
    assert_eq!(
        contacts.data("/contacts/nodes").as_array().map(Vec::len),
        Some(1)
    );

    // A partner filtering sees only the accounts it referred.
    assert_eq!(
        accounts(
            &app,
            &partner,
            json!({"complianceIn": ["BREACHED", "AT_RISK", "COMPLIANT"]})
        )
        .await,
        vec![referred.clone()]
    );

    // Kept current: a better measurement brings the average to 55 (at risk, not breached)...
    app.record_measurements(
        &admin,
        &breached_agreement,
        json!([measurement("frt", "10", now - TimeDelta::seconds(1))]),
    )
    .await
    .ok();
    assert_eq!(
        accounts(&app, &admin, json!({"complianceIn": ["BREACHED"]})).await,
        vec![referred.clone()]
    );
    // ...and an approved amendment that loosens the target re-judges the period.
    let loose = sections_with(
        vec![
            metric("frt", "MINUTES", "AT_MOST", "200", Some("150")),
            metric("uptime", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
        ],
        vec![credit_rule("frt", "5")],
    );
    let version = app.agreement_version(&at_risk_agreement).await;
    let proposed = app
        .gql(
            "mutation($input: ProposeAmendmentInput!) { proposeAmendment(input: $input) { agreement { version } } }",
            json!({"input": {"agreementId": at_risk_agreement, "expectedVersion": version, "sections": loose, "changeNote": "looser"}}),
        )
        .await
        .ok();
    let version = proposed
        .data("/proposeAmendment/agreement/version")
        .as_i64()
        .expect("version");
    let (_, approver) = app.member("ADMIN").await;
    app.agreement_action(&approver, "approveAgreement", &at_risk_agreement, version)
        .await
        .ok();
    assert_eq!(
        accounts(&app, &admin, json!({"complianceIn": ["AT_RISK"]})).await,
        vec![breached.clone()]
    );
    assert_eq!(
        accounts(&app, &admin, json!({"complianceIn": ["COMPLIANT"]})).await,
        sorted(&[&compliant, &at_risk])
    );
}

#[tokio::test]
async fn bad_compliance_filters_are_refused_naming_the_input_field() {
    let app = spawn_app().await;
    for (filter, field) in [
        (
            json!({"complianceIn": ["NOT_MEASURED"]}),
            "filter.complianceIn",
        ),
        (json!({"complianceIn": []}), "filter.complianceIn"),
    ] {
        let res = app
            .gql(ACCOUNTS, json!({"filter": filter, "first": 5}))
            .await;
        refused(&res, field);
    }
    let res = app
        .gql(
            "query($filter: ContactFilter) { contacts(first: 5, filter: $filter) { nodes { id } } }",
            json!({"filter": {"account": {"complianceIn": ["NOT_MEASURED", "BREACHED"]}}}),
        )
        .await;
    refused(&res, "filter.account.complianceIn");
}
