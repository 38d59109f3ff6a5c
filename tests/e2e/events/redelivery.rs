//! Manual redelivery through GraphQL, end to end: an endpoint registered with
//! `createWebhookEndpoint` fails an event until the schedule gives up, its owner asks for it
//! again with `redeliverWebhook`, and the dispatcher sends it once more, logged as manual, with
//! the same `webhook-id` and body.

use chrono::{Duration, Utc};
use rapport_tests::receiver::{Receiver, Reply};
use rapport_tests::spawn_app;
use serde_json::json;

const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { webhookEndpoint { id } secret } }";

const LOG: &str = "{ webhookEndpoints(first: 5) { nodes { id deliveries(first: 10) { nodes {
  id eventId eventType state attempts attemptLog { attempt status manual } } } } } }";

#[tokio::test]
async fn an_owner_redelivers_a_failed_delivery_and_the_attempt_is_logged_as_manual() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    receiver.set_reply(Reply::Status(503));
    app.gql(
        CREATE,
        json!({"input": {"url": receiver.url(), "eventTypes": ["account.created"]}}),
    )
    .await
    .ok();
    app.account_as(&app.admin_token.clone(), "Redelivered", json!({}))
        .await;
    app.relay_step(Utc::now()).await;
    let first = app.dispatch_step(Utc::now()).await;
    assert_eq!((first.attempted, first.retried), (1, 1), "{first:?}");

    // Far past the schedule's end: the next attempt is the last, and it fails too.
    let later = app.dispatch_step(Utc::now() + Duration::days(4)).await;
    assert_eq!(later.attempted, 1, "{later:?}");
    let log = app.gql(LOG, json!({})).await.ok();
    let delivery = log
        .data("/webhookEndpoints/nodes/0/deliveries/nodes/0")
        .clone();
    assert_eq!(delivery["state"], "FAILED", "{delivery}");
    assert_eq!(delivery["eventType"], "account.created");
    let attempts_before = delivery["attemptLog"].as_array().expect("log").len();
    assert!(
        delivery["attemptLog"]
            .as_array()
            .expect("log")
            .iter()
            .all(|a| a["manual"] == false)
    );

    // Failing that long disabled the endpoint: redelivery is refused until it is re-enabled.
    let refused = app
        .gql(
            "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) { delivery { state } } }",
            json!({"id": delivery["id"]}),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("INVALID_TRANSITION"),
        "{refused:?}"
    );
    let endpoint = app
        .gql(
            "{ webhookEndpoints(first: 1) { nodes { id version enabled } } }",
            json!({}),
        )
        .await
        .ok()
        .data("/webhookEndpoints/nodes/0")
        .clone();
    assert_eq!(endpoint["enabled"], false);
    app.gql(
        "mutation($id: ID!, $v: Int!) { updateWebhookEndpoint(input: {endpointId: $id,
           expectedVersion: $v, enabled: true}) { webhookEndpoint { enabled } } }",
        json!({"id": endpoint["id"], "v": endpoint["version"]}),
    )
    .await
    .ok();

    receiver.set_reply(Reply::Status(200));
    let asked = app
        .gql(
            "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) {
               delivery { state } } }",
            json!({"id": delivery["id"]}),
        )
        .await
        .ok();
    assert_eq!(asked.data("/redeliverWebhook/delivery/state"), "PENDING");
    let again = app.dispatch_step(Utc::now()).await;
    assert_eq!((again.attempted, again.succeeded), (1, 1), "{again:?}");

    let log = app.gql(LOG, json!({})).await.ok();
    let delivery = log
        .data("/webhookEndpoints/nodes/0/deliveries/nodes/0")
        .clone();
    assert_eq!(delivery["state"], "SUCCEEDED", "{delivery}");
    let attempts = delivery["attemptLog"].as_array().expect("log");
    assert_eq!(attempts.len(), attempts_before + 1);
    let last = attempts.last().expect("the manual attempt");
    assert_eq!(
        (last["manual"].clone(), last["status"].clone()),
        (json!(true), json!(200))
    );

    let received = receiver.received();
    let ids: Vec<&str> = received
        .iter()
        .map(|r| r.header("webhook-id").expect("webhook-id"))
        .collect();
    assert!(ids.len() >= 3, "{ids:?}");
    assert!(ids.iter().all(|id| *id == delivery["eventId"]), "{ids:?}");
    let bodies: Vec<String> = received.iter().map(|r| r.json().to_string()).collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every repeat carries the same body"
    );
}
