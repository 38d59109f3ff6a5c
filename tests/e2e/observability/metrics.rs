//! `/metrics` moves with the requests it describes, keeps its labels bounded, and describes the
//! database pools, the relay's and the workers' lag, the process's memory and connections.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use rapport_integrations::testing::FakeProvider;
use rapport_integrations::{ProviderLimits, Registry};
use rapport_tests::{spawn_app, spawn_app_with, spawn_app_with_providers};
use serde_json::json;

use super::page::{matching, scrape, sum};

const REQUESTS: &str = "rapport_http_requests_total";

#[tokio::test]
async fn requests_are_counted_by_route_status_and_operation_and_timed() {
    let app = spawn_app().await;
    app.gql("query WhoAmI { viewer { role } }", json!({}))
        .await
        .ok();
    app.gql("query WhoAmI { viewer { role } }", json!({}))
        .await
        .ok();
    let refused = app
        .gql_as(None, "query WhoAmI { viewer { role } }", json!({}))
        .await;
    assert_eq!(refused.status, 401);
    let page = scrape(&app).await;
    let graphql = [("route", "/graphql"), ("method", "POST")];
    assert_eq!(
        sum(
            &page,
            REQUESTS,
            &[&graphql[..], &[("status", "200"), ("operation", "WhoAmI")]].concat()
        ),
        2.0,
        "{:#?}",
        matching(&page, REQUESTS, &[])
    );
    // Refused before authentication: no operation is read, nor labelled.
    assert_eq!(
        sum(
            &page,
            REQUESTS,
            &[&graphql[..], &[("status", "401"), ("operation", "")]].concat()
        ),
        1.0
    );
    assert_eq!(
        sum(
            &page,
            "rapport_http_request_duration_seconds_count",
            &[("route", "/graphql")]
        ),
        3.0
    );
    let slowest = sum(
        &page,
        "rapport_http_request_duration_seconds_sum",
        &[("route", "/graphql")],
    );
    assert!(slowest > 0.0, "time was measured: {slowest}");
    // A route that does not exist is one label, whatever the path.
    for path in ["/nope", "/nope/2", "/x?y=1"] {
        let res = app
            .client()
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("answered");
        assert_eq!(res.status(), 404);
    }
    let page = scrape(&app).await;
    assert_eq!(
        sum(
            &page,
            REQUESTS,
            &[("route", "unmatched"), ("status", "404")]
        ),
        3.0
    );
    assert_eq!(
        sum(&page, REQUESTS, &[("route", "/metrics"), ("status", "200")]),
        1.0,
        "the first scrape is counted by the second"
    );
}

#[tokio::test]
async fn the_statements_of_a_request_are_counted_per_request() {
    let app = spawn_app().await;
    let account = app.account_as(&app.admin_token, "Acme", json!({})).await;
    let mut contact = String::new();
    for i in 0..3 {
        contact = app.contact(&account, &format!("C{i}"), None).await;
    }
    let list = "query List { contacts(first: 10) { edges { node { id account { id name accountManager { id } } } } } }";
    // One contact by id, through the contacts loader.
    let one = "query One($id: ID!) { contact(id: $id) { id firstName account { id name } } }";
    let name = "rapport_http_request_sql_statements_sum";
    for (query, variables) in [(list, json!({})), (one, json!({"id": contact}))] {
        let before_page = scrape(&app).await;
        let before = app.store.statement_count();
        app.gql(query, variables).await.ok();
        let ran = app.store.statement_count() - before;
        let after_page = scrape(&app).await;
        let counted = sum(&after_page, name, &[("route", "/graphql")])
            - sum(&before_page, name, &[("route", "/graphql")]);
        assert!(ran >= 1, "{query}: {ran}");
        assert_eq!(
            counted, ran as f64,
            "{query}: every statement the request ran"
        );
    }
}

#[tokio::test]
async fn a_flood_of_operation_names_keeps_the_labels_bounded() {
    let app = spawn_app_with(|s| s.telemetry.operation_names = 5).await;
    for i in 0..40 {
        let name = format!("Flood{i}_{}", uuid::Uuid::new_v4().simple());
        app.gql(&format!("query {name} {{ viewer {{ role }} }}"), json!({}))
            .await
            .ok();
    }
    // Names that are not GraphQL names, given as `operationName`.
    for bad in ["has space", "émoji", "{}"] {
        let res = app
            .client()
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&app.admin_token)
            .json(&json!({"query": "{ viewer { role } }", "operationName": bad}))
            .send()
            .await
            .expect("answered");
        assert!(res.status().is_success() || res.status().is_client_error());
    }
    let page = scrape(&app).await;
    let names: BTreeSet<&str> = matching(&page, REQUESTS, &[("route", "/graphql")])
        .iter()
        .map(|s| s.labels["operation"].as_str())
        .collect();
    assert!(
        names.len() <= 5 + 2,
        "five names, other, invalid: {names:?}"
    );
    assert!(
        names.contains("other") && names.contains("invalid"),
        "{names:?}"
    );
    assert_eq!(sum(&page, REQUESTS, &[("operation", "other")]), 35.0);
    assert_eq!(sum(&page, REQUESTS, &[("operation", "invalid")]), 3.0);
}

#[tokio::test]
async fn pools_lags_memory_and_connections_are_on_the_page() {
    let fake = Arc::new(FakeProvider::new("fake"));
    let mut registry = Registry::default();
    registry
        .register(fake.clone(), ProviderLimits::default())
        .expect("registered");
    let app = spawn_app_with_providers(|_| {}, registry).await;
    let page = scrape(&app).await;
    let pools: BTreeSet<&str> = matching(&page, "rapport_db_pool_connections", &[])
        .iter()
        .map(|s| s.labels["pool"].as_str())
        .collect();
    let expected: BTreeSet<&str> = if app.backend == "sqlite" {
        ["reader", "writer"].into()
    } else {
        ["main"].into()
    };
    assert_eq!(pools, expected);
    for pool in &expected {
        let open = sum(&page, "rapport_db_pool_connections", &[("pool", pool)]);
        let max = sum(&page, "rapport_db_pool_max_connections", &[("pool", pool)]);
        assert!(open >= 1.0 && open <= max, "{pool}: {open} of {max}");
    }
    assert!(sum(&page, "process_resident_memory_bytes", &[]) > 1_000_000.0);
    assert!(
        sum(&page, "rapport_http_connections_open", &[]) >= 1.0,
        "the scrape's own connection"
    );
    assert_eq!(sum(&page, "rapport_relay_lag_seconds", &[]), 0.0);
    assert_eq!(sum(&page, "rapport_sync_worker_lag_seconds", &[]), 0.0);

    // A contact change waits for the relay (its event) and the worker (its sync job).
    let account = app.account_as(&app.admin_token, "Acme", json!({})).await;
    app.contact(&account, "Ada", Some("ada@example.com")).await;
    // Ages are read in milliseconds: let one pass.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let page = scrape(&app).await;
    assert_eq!(sum(&page, "rapport_sync_queue_readable", &[]), 1.0);
    assert!(sum(&page, "rapport_relay_lag_seconds", &[]) > 0.0);
    assert!(sum(&page, "rapport_sync_worker_lag_seconds", &[]) > 0.0);

    // Once both caught up, the lags are back to zero.
    while app.relay_step(Utc::now()).await > 0 {}
    app.sync_step(Utc::now()).await;
    let page = scrape(&app).await;
    assert_eq!(sum(&page, "rapport_relay_lag_seconds", &[]), 0.0);
    assert_eq!(sum(&page, "rapport_sync_worker_lag_seconds", &[]), 0.0);
    assert_eq!(
        sum(
            &page,
            "rapport_sync_jobs_total",
            &[("provider", "fake"), ("outcome", "synced")]
        ),
        1.0,
        "the existing series keep their names"
    );
}
