//! Webhook bodies over the limit, and erasure of a contact's interactions and webhook receipts.

use chrono::Utc;
use rapport_ringover::testing::sign_webhook;
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn a_webhook_body_over_the_limit_answers_413_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;
    let limit = rapport_api::webhooks::MAX_BODY_BYTES;

    let padding = "x".repeat(limit);
    let big_form = format!(
        "{}&data[merges][NOTE]={padding}",
        unsubscribe("ada@acme.test", Utc::now())
    );
    let (status, _) = mailchimp(&app, MAILCHIMP_SECRET, big_form).await;
    assert_eq!(status, 413);

    let mut event: Value =
        serde_json::from_str(&call_event(9, "hangup", "33612345678", Utc::now())).expect("json");
    event["data"]["note"] = json!(padding);
    let big_call = event.to_string();
    let signature = sign_webhook(big_call.as_bytes(), RINGOVER_SECRET);
    let (status, _) = ringover(&app, Some(&signature), &big_call).await;
    assert_eq!(status, 413);

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
}

#[tokio::test]
async fn erasing_a_contact_deletes_its_interactions_and_webhook_receipts() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let grace = person(&app, "Grace", "grace@acme.test", "+33612345679").await;
    for (call, number) in [(1, "33612345678"), (2, "33612345679")] {
        let body = call_event(call, "hangup", number, Utc::now());
        ringover(
            &app,
            Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
            &body,
        )
        .await;
    }
    mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("ada@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(rows(&app, "interactions").await, 2);
    assert_eq!(rows(&app, "webhook_receipts").await, 1);
    let id = interactions(&app, &ada).await["nodes"][0]["id"].clone();

    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
        json!({"id": ada}),
    )
    .await
    .ok();

    assert_eq!(
        rows(&app, "interactions").await,
        1,
        "only Grace's call is left"
    );
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
    assert_eq!(interactions(&app, &ada).await["totalCount"], 0);
    assert_eq!(interactions(&app, &grace).await["totalCount"], 1);
    let gone = app
        .gql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(gone.error_code(), Some("NOT_FOUND"), "{}", gone.body);
    // A late retry of the call finds no number to match: the erased contact has none.
    let body = call_event(1, "hangup", "33612345678", Utc::now());
    let (status, answer) = ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("unknown_contact")),
        "{answer}"
    );
}
