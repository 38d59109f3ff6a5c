//! Amendments judged by the revision in force, and clients that cannot be demoted while one is in force.

use rapport_tests::{
    Gql, calendar, complete_sections, credit_rule, measurement, metric, sections_with, spawn_app,
};
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn an_amended_target_judges_later_periods_while_earlier_ones_keep_the_old_one() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let fx = app
        .client_with_agreement("Amended Co", complete_sections())
        .await;
    let (approver, approver_token) = fx.approver.clone();

    // 50 minutes last month: under the original target of 60 (at risk from 45).
    app.record_measurements(
        &admin,
        &fx.agreement,
        json!([measurement("frt", "50", cal.last_month)]),
    )
    .await
    .ok();

    // The target tightens to 40 (warning from 30).
    let mut amended = sections_with(
        vec![
            metric("frt", "MINUTES", "AT_MOST", "40", Some("30")),
            metric("uptime", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
        ],
        vec![credit_rule("frt", "5")],
    );
    amended["summary"]["title"] = json!("Managed support, faster");
    let proposed = app
        .gql(
            PROPOSE_AMENDMENT,
            json!({"input": {
                "agreementId": fx.agreement, "expectedVersion": fx.version,
                "sections": amended, "changeNote": "Faster first response",
            }}),
        )
        .await
        .ok();
    let p = proposed.data("/proposeAmendment/agreement");
    assert_eq!(
        p["status"], "ACTIVE",
        "the agreement stays in force meanwhile"
    );
    assert_eq!(p["revision"], 1, "revision 1 still governs");
    assert_eq!(
        p["revisions"],
        json!([{"revision": 1, "status": "APPROVED"}, {"revision": 2, "status": "PENDING_APPROVAL"}])
    );
    let version = p["version"].as_i64().expect("version");

    let own = app
        .agreement_action(&admin, "approveAgreement", &fx.agreement, version)
        .await;
    assert_transition(&own, "ACTIVE", "the amendment's author approving it");

    let approved = app
        .agreement_action(&approver_token, "approveAgreement", &fx.agreement, version)
        .await
        .ok();
    assert_eq!(approved.data("/agreement/status"), "ACTIVE");
    assert_eq!(approved.data("/agreement/revision"), 2);
    assert_eq!(approved.data("/agreement/approvedBy"), approver.as_str());

    let read = detail(&app, &fx.agreement).await;
    assert_eq!(
        read.data("/agreement/revisions"),
        &json!([
            {"revision": 1, "status": "APPROVED", "createdBy": "bootstrap-admin", "approvedBy": approver,
             "inForceFrom": cal.from.to_string(), "changeNote": null},
            {"revision": 2, "status": "APPROVED", "createdBy": "bootstrap-admin", "approvedBy": approver,
             "inForceFrom": cal.today.to_string(), "changeNote": "Faster first response"},
        ])
    );
    assert_eq!(
        read.data("/agreement/summary/title"),
        "Managed support, faster"
    );
    assert_eq!(read.data("/agreement/performance/metrics/0/target"), "40");

    // 50 minutes today: a breach of the new target.
    app.record_measurements(
        &admin,
        &fx.agreement,
        json!([measurement("frt", "50", chrono::Utc::now())]),
    )
    .await
    .ok();

    let before = compliance(&app, &fx.agreement, cal.last_month.date_naive()).await;
    let frt = metric_entry(&before, "frt");
    assert_eq!(frt["target"], "60", "last month is judged by revision 1");
    assert_eq!(frt["observed"], "50");
    assert_eq!(frt["status"], "AT_RISK");

    let now = compliance(&app, &fx.agreement, cal.today).await;
    let frt = metric_entry(&now, "frt");
    assert_eq!(frt["target"], "40", "this month is judged by revision 2");
    assert_eq!(frt["observed"], "50");
    assert_eq!(frt["status"], "BREACHED");
    assert_eq!(now.data("/agreement/compliance/overall"), "BREACHED");

    let events = outbox(&app, &fx.agreement).await;
    assert!(
        events.contains(&"agreement.amendment_proposed".to_owned()),
        "{events:?}"
    );
    assert_eq!(
        events.iter().filter(|e| *e == "agreement.approved").count(),
        2,
        "{events:?}"
    );
}

// ------------------------------------------------------------------------------ clients

#[tokio::test]
async fn a_client_with_an_agreement_in_force_cannot_be_demoted_and_is_not_listed_as_without_one() {
    let app = spawn_app().await;
    let bound = app
        .client_with_agreement("Bound Client", complete_sections())
        .await;
    let (free, _) = app.client_account("Free Client").await;

    let list = |without: bool| {
        app.gql(
            "query($f: AccountFilter) { accounts(first: 50, filter: $f) { nodes { id name } } }",
            json!({"f": {"withoutAgreementInForce": without}}),
        )
    };
    let names = |res: &Gql| -> Vec<String> {
        res.data("/accounts/nodes")
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let without = list(true).await.ok();
    assert!(names(&without).contains(&free), "{}", without.body);
    assert!(
        !names(&without).contains(&bound.account),
        "{}",
        without.body
    );
    let with = list(false).await.ok();
    assert!(names(&with).contains(&bound.account), "{}", with.body);
    assert!(!names(&with).contains(&free), "{}", with.body);

    let demote = |account: &str| {
        app.gql(
            "mutation($input: DemoteToCustomerInput!) { demoteToCustomer(input: $input) { account { relationshipType } } }",
            json!({"input": {"accountId": account, "reason": "winding down", "expectedVersion": 2}}),
        )
    };
    let before = app.table_counts().await;
    let refused = demote(&bound.account).await;
    assert_transition(&refused, "CLIENT", "demoting a bound client");
    assert!(
        message(&refused).contains(&bound.agreement),
        "the refusal names the agreement: {}",
        refused.body
    );
    assert!(
        message(&refused).contains("Managed support"),
        "{}",
        refused.body
    );
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    let demoted = demote(&free).await.ok();
    assert_eq!(
        demoted.data("/demoteToCustomer/account/relationshipType"),
        "CUSTOMER"
    );

    // The account lists its agreements.
    let res = app
        .gql(
            "query($id: ID!) { account(id: $id) { agreements { nodes { id status } } } }",
            json!({"id": bound.account}),
        )
        .await
        .ok();
    assert_eq!(
        res.data("/account/agreements/nodes"),
        &json!([{"id": bound.agreement, "status": "ACTIVE"}])
    );
}
