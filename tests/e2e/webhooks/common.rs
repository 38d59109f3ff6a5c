//! An app with both inbound webhooks on, the events the providers send, and what the tests read back.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rapport_api::global_id::{self, Kind};
use rapport_domain::ids::ContactId;
use rapport_integrations::testing::FakeProvider;
use rapport_integrations::{ProviderLimits, Registry};
use rapport_mailchimp::MailchimpConfig;
use rapport_ringover::RingoverConfig;
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::{Value, json};

pub(super) const MAILCHIMP_SECRET: &str = "mc-hook-7f3a9c2e51d04b8e9a6f0c1d2e3f";
pub(super) const RINGOVER_SECRET: &str = "ro-hook-secret-4e1b9d7c2a5f8e3b6d0c";
pub(super) const LIST: &str = "a1b2c3d4e5";
pub(super) const SIGNATURE: &str = "X-Ringover-Webhook-Signature";

/// An app with the Mailchimp webhook on, the Ringover section set, and a fake provider under
/// each name (so that which provider got a sync job shows in which fake is called).
pub(super) struct Hooks {
    pub(super) app: TestApp,
    pub(super) mailchimp: Arc<FakeProvider>,
    pub(super) ringover: Arc<FakeProvider>,
}

pub(super) async fn app_with_webhooks() -> Hooks {
    app_with_webhooks_and(|_| {}).await
}

/// [`app_with_webhooks`] with more settings adjusted by `tweak`.
pub(super) async fn app_with_webhooks_and(
    tweak: impl FnOnce(&mut rapport_api::config::Settings),
) -> Hooks {
    let mailchimp = Arc::new(FakeProvider::new("mailchimp"));
    let ringover = Arc::new(FakeProvider::new("ringover"));
    let mut registry = Registry::default();
    registry
        .register(mailchimp.clone(), ProviderLimits::default())
        .expect("registered");
    registry
        .register(ringover.clone(), ProviderLimits::default())
        .expect("registered");
    let app = spawn_app_with_providers(
        |s| {
            s.mailchimp = Some(
                MailchimpConfig::new("0123abcd-us19".into(), LIST)
                    .with_webhook_secret(MAILCHIMP_SECRET.into()),
            );
            s.ringover = Some(RingoverConfig::new("key".into(), RINGOVER_SECRET.into()));
            tweak(s);
        },
        registry,
    )
    .await;
    Hooks {
        app,
        mailchimp,
        ringover,
    }
}

/// `application/x-www-form-urlencoded`, brackets kept as Mailchimp sends them.
pub(super) fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |raw: &str| {
        raw.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Mailchimp's `fired_at`.
pub(super) fn fired(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(super) fn unsubscribe(email: &str, at: DateTime<Utc>) -> String {
    form(&[
        ("type", "unsubscribe"),
        ("fired_at", &fired(at)),
        ("data[action]", "unsub"),
        ("data[reason]", "manual"),
        ("data[email]", email),
        ("data[list_id]", LIST),
    ])
}

pub(super) fn subscribe(email: &str, at: DateTime<Utc>) -> String {
    form(&[
        ("type", "subscribe"),
        ("fired_at", &fired(at)),
        ("data[email]", email),
        ("data[list_id]", LIST),
    ])
}

/// The status and JSON answer of a request.
pub(super) async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(super) async fn mailchimp(app: &TestApp, secret: &str, body: String) -> (u16, Value) {
    send(
        app.client()
            .post(format!("{}/webhooks/mailchimp/{secret}", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

pub(super) async fn ringover(app: &TestApp, signature: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = app
        .client()
        .post(format!("{}/webhooks/ringover", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        req = req.header(SIGNATURE, signature);
    }
    send(req).await
}

/// A Ringover call event as JSON text.
pub(super) fn call_event(call_id: u64, event: &str, from: &str, started: DateTime<Utc>) -> String {
    json!({
        "resource": "call",
        "event": event,
        "timestamp": started.timestamp(),
        "attempt": 1,
        "data": {
            "call_id": call_id,
            "channel_id": "SIP/1",
            "direction": "inbound",
            "from_number": from,
            "to_number": "33199999999",
            "start_time": started.timestamp(),
            "duration_in_seconds": 65,
            "user": {"user_id": 1, "firstname": "Support", "lastname": "Desk", "email": "desk@us.test"},
            "status": "ANSWERED",
        },
    })
    .to_string()
}

/// A contact with an email (consent `SUBSCRIBED`) and a mobile number, on a new account.
pub(super) async fn person(app: &TestApp, first_name: &str, email: &str, phone: &str) -> String {
    let account = app
        .account_as(
            &app.admin_token.clone(),
            &format!("{first_name} Ltd"),
            json!({}),
        )
        .await;
    person_on(app, &account, first_name, email, phone).await
}

pub(super) async fn person_on(
    app: &TestApp,
    account: &str,
    first_name: &str,
    email: &str,
    phone: &str,
) -> String {
    app.gql(
        "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
        json!({"input": {
            "accountId": account,
            "firstName": first_name,
            "lastName": "Lovelace",
            "email": email,
            "emailConsent": "SUBSCRIBED",
            "phones": [{"number": phone, "type": "MOBILE"}],
        }}),
    )
    .await
    .ok()
    .data("/createContact/contact/id")
    .as_str()
    .expect("contact id")
    .to_owned()
}

pub(super) async fn contact(app: &TestApp, id: &str) -> Value {
    app.gql(
        "query($id: ID!) { contact(id: $id) { firstName lastName email emailConsent version } }",
        json!({"id": id}),
    )
    .await
    .ok()
    .data("/contact")
    .clone()
}

/// Audit rows of the contact, oldest first: (actor, action).
pub(super) async fn audit(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let res = app
        .gql(
            "query($id: ID!) { auditLog(first: 100, filter: {entityId: $id}) { nodes { actor action } } }",
            json!({"id": id}),
        )
        .await
        .ok();
    res.data("/auditLog/nodes")
        .as_array()
        .expect("audit rows")
        .iter()
        .map(|n| {
            (
                n["actor"].as_str().unwrap_or_default().to_owned(),
                n["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub(super) async fn interactions(app: &TestApp, id: &str) -> Value {
    app.gql(
        "query($id: ID!) { contact(id: $id) { interactions { totalCount nodes { id kind direction at durationSeconds source summary } } } }",
        json!({"id": id}),
    )
    .await
    .ok()
    .data("/contact/interactions")
    .clone()
}

pub(super) async fn rows(app: &TestApp, table: &str) -> i64 {
    app.store.count_rows(table).await.expect("count")
}

pub(super) fn raw(id: &str) -> ContactId {
    ContactId::new(global_id::decode(Kind::Contact, id).expect("a contact id"))
}
