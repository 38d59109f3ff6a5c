//! Contact sync through the store-backed queue: a change enqueues a job in its own
//! transaction, the worker sends the contact's current state, erasure reaches the provider and
//! an erased contact is never upserted again.

use std::sync::Arc;

use chrono::Utc;
use rapport_integrations::testing::{FakeProvider, FakeResponse};
use rapport_integrations::{ProviderLimits, Registry};
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::json;

async fn app_with_fake() -> (TestApp, Arc<FakeProvider>) {
    let fake = Arc::new(FakeProvider::new("fake"));
    let mut registry = Registry::default();
    registry
        .register(fake.clone(), ProviderLimits::default())
        .expect("registered");
    (spawn_app_with_providers(|_| {}, registry).await, fake)
}

async fn status(app: &TestApp, contact: &str) -> serde_json::Value {
    app.gql(
        "query($id: ID!) { contact(id: $id) { syncStatus { provider state externalId attempts lastError } } }",
        json!({"id": contact}),
    )
    .await
    .ok()
    .data("/contact/syncStatus/0")
    .clone()
}

#[tokio::test]
async fn a_contact_change_is_delivered_once_with_its_current_state() {
    let (app, fake) = app_with_fake().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.test")).await;
    assert_eq!(status(&app, &contact).await["state"], "PENDING");
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, firstName: \"Augusta\"}) { contact { version } } }",
        json!({"id": contact}),
    )
    .await
    .ok();

    let report = app.sync_step(Utc::now()).await;
    assert!(!report.is_idle(), "{report:?}");
    let upserts = fake.upserts();
    assert_eq!(
        upserts.len(),
        1,
        "two changes before the worker ran make one delivery: {upserts:?}"
    );
    assert_eq!(
        upserts[0].first_name.as_str(),
        "Augusta",
        "the current state is sent, not the first"
    );
    assert_eq!(upserts[0].company.as_deref(), Some("Acme"));
    let synced = status(&app, &contact).await;
    assert_eq!(synced["state"], "SYNCED", "{synced}");
    assert!(synced["externalId"].is_string(), "{synced}");
    assert!(
        app.sync_step(Utc::now()).await.is_idle(),
        "nothing is left to send"
    );
}

#[tokio::test]
async fn erasure_reaches_the_provider_and_the_contact_is_never_upserted_again() {
    let (app, fake) = app_with_fake().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.test")).await;
    app.sync_step(Utc::now()).await;
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
        json!({"id": contact}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    let erasures = fake.erasures();
    assert_eq!(erasures.len(), 1, "{:?}", fake.calls());
    assert!(
        erasures[0].external_id.is_some(),
        "the provider's id was kept to erase by: {erasures:?}"
    );
    assert_eq!(
        fake.upserts().len(),
        1,
        "only the delivery before the erasure"
    );
    // A later change of the account re-enqueues its contacts: the erased one is erased, not sent.
    app.gql(
        "mutation($id: ID!) { updateAccount(input: {accountId: $id, expectedVersion: 1, name: \"Acme Ltd\"}) { account { version } } }",
        json!({"id": account}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    assert_eq!(
        fake.upserts().len(),
        1,
        "an erased contact is never upserted again"
    );
}

#[tokio::test]
async fn a_contact_erased_while_its_upsert_is_in_flight_keeps_no_address_and_is_erased_next() {
    let fake =
        Arc::new(FakeProvider::new("fake").with_latency(std::time::Duration::from_millis(400)));
    let mut registry = Registry::default();
    registry
        .register(fake.clone(), ProviderLimits::default())
        .expect("registered");
    let app = spawn_app_with_providers(|_| {}, registry).await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let email = "ada.inflight@acme.test";
    let contact = app.contact(&account, "Ada", Some(email)).await;

    // The erasure commits while the upsert is at the provider; the upsert's outcome is
    // recorded after it.
    let erase = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        app.gql(
            "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
            json!({"id": contact}),
        )
        .await
        .ok();
    };
    let (report, ()) = tokio::join!(app.sync_step(Utc::now()), erase);
    assert_eq!(fake.upserts().len(), 1, "{report:?}");
    assert_eq!(fake.erasures().len(), 0, "{report:?}");
    if app.backend == "sqlite" {
        for file in ["rapport.db", "rapport.db-wal"] {
            let bytes = std::fs::read(app.data_dir.path().join(file)).unwrap_or_default();
            assert!(
                !bytes.windows(email.len()).any(|w| w == email.as_bytes()),
                "{file} still holds the erased address"
            );
        }
    }

    app.sync_step(Utc::now()).await;
    let erasures = fake.erasures();
    assert_eq!(erasures.len(), 1, "{:?}", fake.calls());
    assert!(
        erasures[0].external_id.is_some(),
        "the id the in-flight upsert reported is erased: {erasures:?}"
    );
    assert!(app.sync_step(Utc::now()).await.is_idle());
}

#[tokio::test]
async fn a_permanent_failure_is_parked_with_its_reason_and_not_retried() {
    let (app, fake) = app_with_fake().await;
    fake.script([FakeResponse::permanent("Member In Compliance State")]);
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.test")).await;
    app.sync_step(Utc::now()).await;
    let failed = status(&app, &contact).await;
    assert_eq!(failed["state"], "FAILED", "{failed}");
    assert!(
        failed["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("Compliance")),
        "{failed}"
    );
    app.sync_step(Utc::now() + chrono::Duration::hours(1)).await;
    assert_eq!(
        fake.calls().len(),
        1,
        "a parked job is not retried in a loop"
    );
}

#[tokio::test]
async fn admins_see_failed_syncs_and_a_retry_sends_the_current_state_again() {
    let (app, fake) = app_with_fake().await;
    fake.script([FakeResponse::permanent("Invalid Resource")]);
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.test")).await;
    app.sync_step(Utc::now()).await;

    let failures = app
        .gql(
            "{ syncFailures(provider: \"fake\") { totalCount nodes { provider kind attempts lastError contact { id } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(failures.data("/syncFailures/totalCount"), 1);
    assert_eq!(
        failures.data("/syncFailures/nodes/0/contact/id"),
        contact.as_str()
    );
    assert!(
        failures
            .data("/syncFailures/nodes/0/lastError")
            .as_str()
            .is_some_and(|e| e.contains("Invalid Resource")),
        "{}",
        failures.body
    );
    let (_, viewer) = app.member("VIEWER").await;
    let refused = app
        .gql_as(Some(&viewer), "{ syncFailures { totalCount } }", json!({}))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let refused = app
        .gql_as(
            Some(&viewer),
            "mutation($id: ID!) { retrySync(input: {contactId: $id}) { contact { id } } }",
            json!({"id": contact}),
        )
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let unknown = app
        .gql(
            "mutation($id: ID!) { retrySync(input: {contactId: $id, provider: \"nope\"}) { contact { id } } }",
            json!({"id": contact}),
        )
        .await;
    assert_eq!(unknown.error_field(), Some("provider"), "{}", unknown.body);

    let retried = app
        .gql(
            "mutation($id: ID!) { retrySync(input: {contactId: $id}) { contact { syncStatus { state attempts } } } }",
            json!({"id": contact}),
        )
        .await
        .ok();
    assert_eq!(
        retried.data("/retrySync/contact/syncStatus/0/state"),
        "PENDING"
    );
    app.sync_step(Utc::now()).await;
    assert_eq!(status(&app, &contact).await["state"], "SYNCED");
    assert_eq!(fake.upserts().len(), 2, "the failed attempt and the retry");
    let none = app
        .gql("{ syncFailures { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(none.data("/syncFailures/totalCount"), 0);
}
