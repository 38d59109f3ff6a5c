//! `CreditFilter` on `Agreement.credits` and the ledger across agreements,
//! `Query.serviceCredits`.

use chrono::Datelike;
use rapport_tests::{TestApp, calendar, complete_sections, earlier_today, measurement, spawn_app};
use serde_json::{Value, json};

use super::refused;

const ACROSS: &str = "query($filter: CreditFilter, $first: Int, $after: String) {
  serviceCredits(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { agreementId metricKey periodStart amount { amount currency } }
  }
}";

/// The credits listed: (agreement, period start), in order.
fn credits(res: &Value, pointer: &str) -> Vec<(String, String)> {
    res.pointer(&format!("/data{pointer}/nodes"))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no credits at {pointer}: {res}"))
        .iter()
        .map(|c| {
            (
                c["agreementId"].as_str().expect("agreementId").to_owned(),
                c["periodStart"].as_str().expect("periodStart").to_owned(),
            )
        })
        .collect()
}

/// A breach of `frt` (100 minutes, target 60) last month and this month.
async fn breach_twice(app: &TestApp, agreement: &str) {
    let earlier = earlier_today(5);
    app.record_measurements(
        &app.admin_token.clone(),
        agreement,
        json!([
            measurement("frt", "100", calendar().last_month),
            measurement("frt", "100", earlier),
        ]),
    )
    .await
    .ok();
}

async fn across(app: &TestApp, token: &str, filter: Value) -> Vec<(String, String)> {
    let res = app
        .gql_as(Some(token), ACROSS, json!({"filter": filter, "first": 50}))
        .await
        .ok();
    let got = credits(&res.body, "/serviceCredits");
    assert_eq!(
        res.data("/serviceCredits/totalCount").as_u64(),
        Some(got.len() as u64),
        "{}",
        res.body
    );
    got
}

#[tokio::test]
async fn credits_filter_by_period_window_account_and_metric_within_and_across_agreements() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let a = app
        .client_with_agreement("Credited A", complete_sections())
        .await;
    let b = app
        .client_with_agreement("Credited B", complete_sections())
        .await;
    // A second agreement of account A (drafted, submitted and approved like the first).
    let (a2, _, _) = app.active_agreement(&a.account, complete_sections()).await;
    breach_twice(&app, &a.agreement).await;
    breach_twice(&app, &b.agreement).await;
    breach_twice(&app, &a2).await;
    let today = calendar().today;
    let this_month = today.with_day(1).expect("date").to_string();
    let last_month = calendar()
        .last_month
        .date_naive()
        .with_day(1)
        .expect("d")
        .to_string();

    assert_eq!(across(&app, &admin, json!({})).await.len(), 6);
    // "Credits of this account across agreements".
    assert_eq!(
        across(&app, &admin, json!({"accountId": a.account})).await,
        [
            (a.agreement.clone(), last_month.clone()),
            (a.agreement.clone(), this_month.clone()),
            (a2.clone(), last_month.clone()),
            (a2.clone(), this_month.clone()),
        ]
    );
    assert_eq!(
        across(
            &app,
            &admin,
            json!({"accountId": a.account, "periodStart": {"from": this_month}})
        )
        .await,
        [
            (a.agreement.clone(), this_month.clone()),
            (a2.clone(), this_month.clone()),
        ]
    );
    assert_eq!(
        across(
            &app,
            &admin,
            json!({"periodStart": {"from": last_month, "to": last_month}, "agreementId": b.agreement})
        )
        .await,
        [(b.agreement.clone(), last_month.clone())]
    );
    assert_eq!(
        across(&app, &admin, json!({"metricKey": "frt"}))
            .await
            .len(),
        6
    );
    assert_eq!(
        across(&app, &admin, json!({"metricKey": "uptime"})).await,
        Vec::<(String, String)>::new()
    );

    // Keyset pages under a filter.
    let filter = json!({"accountId": a.account, "periodStart": {"to": last_month}});
    let first = app
        .gql(ACROSS, json!({"filter": filter, "first": 1}))
        .await
        .ok();
    assert_eq!(
        credits(&first.body, "/serviceCredits"),
        [(a.agreement.clone(), last_month.clone())]
    );
    let second = app
        .gql(
            ACROSS,
            json!({"filter": filter, "first": 1, "after": first.data("/serviceCredits/pageInfo/endCursor")}),
        )
        .await
        .ok();
    assert_eq!(
        credits(&second.body, "/serviceCredits"),
        [(a2.clone(), last_month.clone())]
    );
    assert_eq!(second.data("/serviceCredits/pageInfo/hasNextPage"), false);

    // On one agreement, the same filter narrows its ledger.
    let one = "query($id: ID!, $filter: CreditFilter) {
      agreement(id: $id) { credits(first: 10, filter: $filter) { totalCount nodes { agreementId metricKey periodStart } } }
    }";
    let res = app
        .gql(
            one,
            json!({"id": a.agreement, "filter": {"periodStart": {"from": this_month}}}),
        )
        .await
        .ok();
    assert_eq!(
        credits(&res.body, "/agreement/credits"),
        [(a.agreement.clone(), this_month.clone())]
    );
    assert_eq!(res.data("/agreement/credits/totalCount"), 1);
    let res = app
        .gql(
            one,
            json!({"id": a.agreement, "filter": {"agreementId": b.agreement}}),
        )
        .await
        .ok();
    assert_eq!(ids_len(&res.body), 0, "another agreement's id matches none");
    assert_eq!(res.data("/agreement/credits/totalCount"), 0, "{}", res.body);
}

fn ids_len(body: &Value) -> usize {
    body.pointer("/data/agreement/credits/nodes")
        .and_then(Value::as_array)
        .map_or(usize::MAX, Vec::len)
}

#[tokio::test]
async fn the_ledger_across_agreements_is_refused_to_those_who_may_not_see_money() {
    let app = spawn_app().await;
    let fx = app
        .client_with_agreement("Money Co", complete_sections())
        .await;
    breach_twice(&app, &fx.agreement).await;
    let (_, support) = app.member("SUPPORT_AGENT").await;
    let (_, viewer) = app.member("VIEWER").await;
    let (_, partner) = app.partner("Referrer").await;
    // The partner refers an account of its own, so refusing it is not about scope.
    app.account_as(&partner, "Referred", json!({})).await;

    for token in [&support, &partner] {
        let res = app
            .gql_as(
                Some(token),
                ACROSS,
                json!({"first": 5, "filter": {"accountId": fx.account}}),
            )
            .await;
        assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
        assert!(res.data("/serviceCredits").is_null(), "{}", res.body);
        // Exactly as the agreement's own ledger is refused to them.
        let own = app
            .gql_as(
                Some(token),
                "query($id: ID!) { agreement(id: $id) { credits(first: 5) { totalCount } } }",
                json!({"id": fx.agreement}),
            )
            .await;
        assert!(
            matches!(own.error_code(), Some("FORBIDDEN" | "NOT_FOUND")),
            "{}",
            own.body
        );
    }
    assert_eq!(
        across(&app, &viewer, json!({"accountId": fx.account}))
            .await
            .len(),
        2
    );
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    assert_eq!(across(&app, &manager, json!({})).await.len(), 2);
}

#[tokio::test]
async fn bad_credit_filters_are_refused_naming_the_input_field() {
    let app = spawn_app().await;
    for (filter, field) in [
        (
            json!({"periodStart": {"from": "2027-02-01", "to": "2027-01-01"}}),
            "filter.periodStart.from",
        ),
        (
            json!({"periodStart": {"to": "01/02/2027"}}),
            "filter.periodStart.to",
        ),
        (json!({"metricKey": "Not A Key"}), "filter.metricKey"),
        (json!({"accountId": "bogus"}), "filter.accountId"),
        (json!({"agreementId": "bogus"}), "filter.agreementId"),
    ] {
        let res = app.gql(ACROSS, json!({"filter": filter, "first": 5})).await;
        refused(&res, field);
    }
}
