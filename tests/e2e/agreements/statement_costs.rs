//! Statements per request stay flat as pages and agreements grow (no N+1).

use rapport_tests::{
    Gql, TestApp, complete_sections, credit_rule, frt_metric, measurement, metric, sections_with,
    spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

use super::common::*;

const AGREEMENTS_PAGE: &str = "query($first: Int!) {
  agreements(first: $first) {
    nodes {
      id
      account { name }
      summary { title }
      performance { metrics { key } }
      compliance { overall creditsIncurred { amount } }
    }
  }
}";

const AGREEMENT_FULL: &str = "query($id: ID!) {
  agreement(id: $id) {
    id status version revision
    account { name }
    revisions { revision status }
    summary { title fee { amount currency } }
    terms { clauses { heading } }
    performance { metrics { key target } }
    consequences { metricKey kind }
    reviewAndTermination { nextReviewOn cancelBy termEnd }
    compliance { overall metrics { metricKey status observed target measurementCount } creditsIncurred { amount } }
    credits(first: 20) { nodes { metricKey amount { amount } } }
    reviews { heldOn }
    termination { kind }
  }
}";

/// Statements run by one request, and its response.
async fn measured(app: &TestApp, query: &str, variables: Value) -> (u64, Gql) {
    let start = app.store.statement_count();
    let res = app.gql(query, variables).await.ok();
    (app.store.statement_count() - start, res)
}

async fn agreements_page_costs_the_same_for_5_or_20(app: &TestApp) {
    let admin = app.admin_token.clone();
    let (_, approver) = app.member("ADMIN").await;
    let now = chrono::Utc::now();
    for i in 0..20 {
        let account = app
            .account_as(&admin, &format!("Paged {i:02}"), json!({}))
            .await;
        let id = agreement_id_of(
            &app.draft_agreement(&admin, &account, complete_sections())
                .await
                .ok(),
        );
        if i % 4 == 3 {
            continue; // some stay drafts
        }
        app.agreement_action(&admin, "submitAgreement", &id, 1)
            .await
            .ok();
        app.agreement_action(&approver, "approveAgreement", &id, 2)
            .await
            .ok();
        let value = if i % 2 == 0 { "30" } else { "120" };
        app.record_measurements(&admin, &id, json!([measurement("frt", value, now)]))
            .await
            .ok();
    }

    let (small, small_res) = measured(app, AGREEMENTS_PAGE, json!({"first": 5})).await;
    let (large, large_res) = measured(app, AGREEMENTS_PAGE, json!({"first": 20})).await;
    let nodes = large_res
        .data("/agreements/nodes")
        .as_array()
        .expect("nodes");
    assert_eq!(
        small_res.data("/agreements/nodes").as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(nodes.len(), 20);
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node["account"]["name"], format!("Paged {i:02}"));
        let expected = match i {
            _ if i % 4 == 3 => "NOT_MEASURED",
            _ if i % 2 == 0 => "COMPLIANT",
            _ => "BREACHED",
        };
        assert_eq!(node["compliance"]["overall"], expected, "agreement {i}");
        let credit = if expected == "BREACHED" {
            "300.00"
        } else {
            "0.00"
        };
        assert_eq!(
            node["compliance"]["creditsIncurred"]["amount"], credit,
            "agreement {i}"
        );
    }
    eprintln!("agreements with accounts and compliance: page of 5 = {small}, page of 20 = {large}");
    assert_eq!(
        small, large,
        "statements per request do not grow with the page ({small} for 5, {large} for 20)"
    );
    assert!(small <= 8, "a page costs at most 8 statements, not {small}");
}

#[tokio::test]
async fn a_page_of_agreements_with_accounts_and_compliance_costs_the_same_for_5_or_20() {
    let app = spawn_app().await;
    agreements_page_costs_the_same_for_5_or_20(&app).await;
}

/// Without a batch window, only the page's preloading keeps one batch per loader.
#[tokio::test]
async fn a_page_of_agreements_costs_the_same_for_5_or_20_even_without_a_batch_window() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    agreements_page_costs_the_same_for_5_or_20(&app).await;
}

#[tokio::test]
async fn the_detail_of_an_agreement_costs_the_same_with_1_or_5_metrics() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let now = chrono::Utc::now();

    let one = app
        .client_with_agreement(
            "One Metric",
            sections_with(vec![frt_metric()], vec![credit_rule("frt", "5")]),
        )
        .await;
    let keys = ["m1", "m2", "m3", "m4", "m5"];
    let five = app
        .client_with_agreement(
            "Five Metrics",
            sections_with(
                keys.iter()
                    .map(|k| metric(k, "MINUTES", "AT_MOST", "60", Some("45")))
                    .collect(),
                keys.iter().map(|k| credit_rule(k, "5")).collect(),
            ),
        )
        .await;
    app.record_measurements(
        &admin,
        &one.agreement,
        json!([measurement("frt", "120", now)]),
    )
    .await
    .ok();
    app.record_measurements(
        &admin,
        &five.agreement,
        Value::Array(keys.iter().map(|k| measurement(k, "120", now)).collect()),
    )
    .await
    .ok();

    let (cost_one, res_one) = measured(&app, AGREEMENT_FULL, json!({"id": one.agreement})).await;
    let (cost_five, res_five) = measured(&app, AGREEMENT_FULL, json!({"id": five.agreement})).await;
    assert_eq!(
        res_one
            .data("/agreement/compliance/metrics")
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        res_five
            .data("/agreement/compliance/metrics")
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(
        res_five
            .data("/agreement/credits/nodes")
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(res_five.data("/agreement/compliance/overall"), "BREACHED");
    eprintln!("agreement detail: 1 metric = {cost_one}, 5 metrics = {cost_five}");
    assert_eq!(
        cost_one, cost_five,
        "the detail does not grow with the metrics ({cost_one} for 1, {cost_five} for 5)"
    );
    assert!(
        cost_one <= 10,
        "the detail costs at most 10 statements, not {cost_one}"
    );
}
