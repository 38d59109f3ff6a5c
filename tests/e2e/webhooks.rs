//! Inbound webhooks, through HTTP: Mailchimp's member events change consent, names and
//! addresses once per event without being echoed back to Mailchimp; Ringover's signed call
//! events become interactions on the contact with the number; both are bounded in size.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rapport_api::global_id::{self, Kind};
use rapport_domain::ids::ContactId;
use rapport_integrations::testing::FakeProvider;
use rapport_integrations::{ProviderLimits, Registry};
use rapport_mailchimp::MailchimpConfig;
use rapport_ringover::RingoverConfig;
use rapport_ringover::testing::sign_webhook;
use rapport_tests::mock::MailchimpMock;
use rapport_tests::{TestApp, spawn_app, spawn_app_with_providers};
use serde_json::{Value, json};

const MAILCHIMP_SECRET: &str = "mc-hook-7f3a9c2e51d04b8e9a6f0c1d2e3f";
const RINGOVER_SECRET: &str = "ro-hook-secret-4e1b9d7c2a5f8e3b6d0c";
const LIST: &str = "a1b2c3d4e5";
const SIGNATURE: &str = "X-Ringover-Webhook-Signature";

/// An app with the Mailchimp webhook on, the Ringover section set, and a fake provider under
/// each name (so that which provider got a sync job shows in which fake is called).
struct Hooks {
    app: TestApp,
    mailchimp: Arc<FakeProvider>,
    ringover: Arc<FakeProvider>,
}

async fn app_with_webhooks() -> Hooks {
    app_with_webhooks_and(|_| {}).await
}

/// [`app_with_webhooks`] with more settings adjusted by `tweak`.
async fn app_with_webhooks_and(tweak: impl FnOnce(&mut rapport_api::config::Settings)) -> Hooks {
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
fn form(pairs: &[(&str, &str)]) -> String {
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
fn fired(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn unsubscribe(email: &str, at: DateTime<Utc>) -> String {
    form(&[
        ("type", "unsubscribe"),
        ("fired_at", &fired(at)),
        ("data[action]", "unsub"),
        ("data[reason]", "manual"),
        ("data[email]", email),
        ("data[list_id]", LIST),
    ])
}

fn subscribe(email: &str, at: DateTime<Utc>) -> String {
    form(&[
        ("type", "subscribe"),
        ("fired_at", &fired(at)),
        ("data[email]", email),
        ("data[list_id]", LIST),
    ])
}

/// The status and JSON answer of a request.
async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn mailchimp(app: &TestApp, secret: &str, body: String) -> (u16, Value) {
    send(
        app.client()
            .post(format!("{}/webhooks/mailchimp/{secret}", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

async fn ringover(app: &TestApp, signature: Option<&str>, body: &str) -> (u16, Value) {
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
fn call_event(call_id: u64, event: &str, from: &str, started: DateTime<Utc>) -> String {
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
async fn person(app: &TestApp, first_name: &str, email: &str, phone: &str) -> String {
    let account = app
        .account_as(
            &app.admin_token.clone(),
            &format!("{first_name} Ltd"),
            json!({}),
        )
        .await;
    person_on(app, &account, first_name, email, phone).await
}

async fn person_on(
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

async fn contact(app: &TestApp, id: &str) -> Value {
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
async fn audit(app: &TestApp, id: &str) -> Vec<(String, String)> {
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

async fn interactions(app: &TestApp, id: &str) -> Value {
    app.gql(
        "query($id: ID!) { contact(id: $id) { interactions { totalCount nodes { id kind direction at durationSeconds source summary } } } }",
        json!({"id": id}),
    )
    .await
    .ok()
    .data("/contact/interactions")
    .clone()
}

async fn rows(app: &TestApp, table: &str) -> i64 {
    app.store.count_rows(table).await.expect("count")
}

fn raw(id: &str) -> ContactId {
    ContactId::new(global_id::decode(Kind::Contact, id).expect("a contact id"))
}

// ------------------------------------------------------------------------------- mailchimp

#[tokio::test]
async fn mailchimp_checks_the_url_with_a_get_and_an_empty_post_and_both_answer_200() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let url = format!("{}/webhooks/mailchimp/{MAILCHIMP_SECRET}", app.address);
    let (status, _) = send(app.client().get(&url)).await;
    assert_eq!(status, 200, "the registration probe (GET)");
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, String::new()).await;
    assert_eq!(status, 200, "the registration probe (empty POST): {body}");
    assert_eq!(body["outcome"], "probe");
    let (status, _) = send(
        app.client()
            .get(format!("{}/webhooks/mailchimp/not-the-secret", app.address)),
    )
    .await;
    assert_eq!(status, 404, "a wrong secret does not reveal the route");
}

#[tokio::test]
async fn a_wrong_mailchimp_secret_answers_404_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;

    for secret in ["wrong", &MAILCHIMP_SECRET[..MAILCHIMP_SECRET.len() - 1]] {
        let (status, _) = mailchimp(&app, secret, unsubscribe("ada@acme.test", Utc::now())).await;
        assert_eq!(status, 404, "secret {secret:?}");
    }

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
    let ada = contact(&app, &ada).await;
    assert_eq!(ada["emailConsent"], "SUBSCRIBED");
    assert_eq!(ada["version"], 1);
}

#[tokio::test]
async fn without_a_webhook_secret_or_a_ringover_section_the_routes_do_not_exist() {
    let app = spawn_app().await;
    let (status, _) = send(app.client().get(format!(
        "{}/webhooks/mailchimp/{MAILCHIMP_SECRET}",
        app.address
    )))
    .await;
    assert_eq!(status, 404);
    let body = call_event(1, "hangup", "33612345678", Utc::now());
    let (status, _) = ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_unsubscribe_at_mailchimp_unsubscribes_the_contact_once_and_is_not_echoed_back() {
    let Hooks {
        app,
        mailchimp: mailchimp_fake,
        ringover: ringover_fake,
    } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "Ada@Acme.test", "+33612345678").await;
    app.sync_step(Utc::now()).await;
    assert_eq!(
        (
            mailchimp_fake.upserts().len(),
            ringover_fake.upserts().len()
        ),
        (1, 1)
    );
    let audit_before = audit(&app, &ada).await.len();

    // Matched case-insensitively, as the store keys addresses.
    let delivery = unsubscribe("ada@acme.test", Utc::now());
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, delivery.clone()).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("applied")),
        "{body}"
    );
    let changed = contact(&app, &ada).await;
    assert_eq!(changed["emailConsent"], "UNSUBSCRIBED");
    assert_eq!(changed["version"], 2);
    let trail = audit(&app, &ada).await;
    assert_eq!(trail.len(), audit_before + 1);
    assert_eq!(
        trail.last(),
        Some(&(
            "webhook:mailchimp".to_owned(),
            "unsubscribedAtProvider".to_owned()
        ))
    );

    // Mailchimp retries: the same delivery changes nothing more.
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, delivery.clone()).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("duplicate")),
        "{body}"
    );
    assert_eq!(contact(&app, &ada).await["version"], 2);
    assert_eq!(audit(&app, &ada).await.len(), audit_before + 1);

    app.sync_step(Utc::now()).await;
    assert_eq!(
        mailchimp_fake.upserts().len(),
        1,
        "the change came from Mailchimp: nothing is sent back to it"
    );
    let sent = ringover_fake.upserts();
    assert_eq!(sent.len(), 2, "the other providers get the change");
    assert_eq!(
        sent[1].consent,
        rapport_domain::contact::EmailConsent::Unsubscribed
    );

    // Not even after the person opted in again here: a late retry must not undo that.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 2, emailConsent: SUBSCRIBED}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, delivery).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("duplicate")),
        "{body}"
    );
    let resubscribed = contact(&app, &ada).await;
    assert_eq!(
        (&resubscribed["emailConsent"], &resubscribed["version"]),
        (&json!("SUBSCRIBED"), &json!(3))
    );
    assert_eq!(audit(&app, &ada).await.len(), audit_before + 2);
}

#[tokio::test]
async fn a_cleaned_address_at_mailchimp_marks_the_contact_cleaned() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let body = form(&[
        ("type", "cleaned"),
        ("fired_at", &fired(Utc::now())),
        ("data[reason]", "hard"),
        ("data[email]", "ada@acme.test"),
        ("data[list_id]", LIST),
    ]);
    let (status, answer) = mailchimp(&app, MAILCHIMP_SECRET, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    let ada = contact(&app, &ada).await;
    assert_eq!(ada["emailConsent"], "CLEANED");
    assert_eq!(ada["version"], 2);
}

#[tokio::test]
async fn a_profile_change_at_mailchimp_updates_the_names_unless_a_local_change_is_newer() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let profile = |at: DateTime<Utc>, first: &str| {
        form(&[
            ("type", "profile"),
            ("fired_at", &fired(at)),
            ("data[email]", "ada@acme.test"),
            ("data[merges][EMAIL]", "ada@acme.test"),
            ("data[merges][FNAME]", first),
            ("data[merges][LNAME]", "King"),
            ("data[merges][PHONE]", "+449999999999"),
            ("data[list_id]", LIST),
        ])
    };

    // Fired an hour before the contact was created here: ours is newer.
    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        profile(Utc::now() - chrono::Duration::hours(1), "Augusta"),
    )
    .await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("unchanged")),
        "{body}"
    );
    assert_eq!(contact(&app, &ada).await["firstName"], "Ada");

    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        profile(Utc::now() + chrono::Duration::minutes(1), "Augusta"),
    )
    .await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("applied")),
        "{body}"
    );
    let ada = contact(&app, &ada).await;
    assert_eq!(
        (&ada["firstName"], &ada["lastName"], &ada["version"]),
        (&json!("Augusta"), &json!("King"), &json!(2))
    );
}

#[tokio::test]
async fn an_address_change_at_mailchimp_moves_the_contact_and_later_changes_go_to_the_new_member() {
    let Hooks {
        app,
        mailchimp: mailchimp_fake,
        ringover: ringover_fake,
    } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    app.sync_step(Utc::now()).await;
    let state = app
        .store
        .sync_state("mailchimp", raw(&ada))
        .await
        .expect("state")
        .expect("synced");
    assert_eq!(state.sent_email.as_deref(), Some("ada@acme.test"));

    let body = form(&[
        ("type", "upemail"),
        ("fired_at", &fired(Utc::now())),
        ("data[old_email]", "ada@acme.test"),
        ("data[new_email]", "ada.king@acme.test"),
        ("data[new_id]", "8a25ff1d98"),
        ("data[list_id]", LIST),
    ]);
    let (status, answer) = mailchimp(&app, MAILCHIMP_SECRET, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    let changed = contact(&app, &ada).await;
    assert_eq!(changed["email"], "ada.king@acme.test");
    assert_eq!(changed["version"], 2);
    let state = app
        .store
        .sync_state("mailchimp", raw(&ada))
        .await
        .expect("state")
        .expect("synced");
    assert_eq!(
        state.sent_email.as_deref(),
        Some("ada.king@acme.test"),
        "Mailchimp's member now has the new address"
    );

    // A later local change is sent to the member of the new address, not the old one.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 2, jobRole: \"CTO\"}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    let upserts = mailchimp_fake.upserts();
    assert_eq!(upserts.len(), 2, "the webhook itself sent nothing back");
    let last = upserts.last().expect("an upsert");
    assert_eq!(
        last.email.as_ref().map(|e| e.as_str()),
        Some("ada.king@acme.test")
    );
    assert_eq!(
        last.previous_email, None,
        "no move from the old address: Mailchimp already moved the member"
    );
    assert_eq!(
        ringover_fake.upserts().len(),
        2,
        "Ringover got one job for both changes (coalesced)"
    );
}

#[tokio::test]
async fn an_address_change_to_the_address_of_another_contact_is_refused_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    person(&app, "Grace", "grace@acme.test", "+33612345679").await;
    let body = form(&[
        ("type", "upemail"),
        ("fired_at", &fired(Utc::now())),
        ("data[old_email]", "ada@acme.test"),
        ("data[new_email]", "GRACE@acme.test"),
        ("data[list_id]", LIST),
    ]);
    let (status, answer) = mailchimp(&app, MAILCHIMP_SECRET, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("refused")),
        "{answer}"
    );
    let ada = contact(&app, &ada).await;
    assert_eq!(
        (&ada["email"], &ada["version"]),
        (&json!("ada@acme.test"), &json!(1))
    );
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
}

#[tokio::test]
async fn events_about_unknown_addresses_other_audiences_or_other_types_are_acknowledged_and_ignored()
 {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;

    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("nobody@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("unknown_contact")),
        "{body}"
    );
    let other_list = unsubscribe("ada@acme.test", Utc::now()).replace(LIST, "zzz999");
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, other_list).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("ignored")),
        "{body}"
    );
    let campaign = form(&[("type", "campaign"), ("data[id]", "5aa2102003")]);
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, campaign).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("ignored")),
        "{body}"
    );

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
    assert_eq!(contact(&app, &ada).await["emailConsent"], "SUBSCRIBED");
}

#[tokio::test]
async fn a_malformed_mailchimp_body_answers_400_naming_what_is_wrong() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        form(&[("type", "unsubscribe"), ("data[list_id]", LIST)]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("data[email]")),
        "{body}"
    );
    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        form(&[
            ("type", "upemail"),
            ("data[old_email]", "a@acme.test"),
            ("data[new_email]", "not an address"),
        ]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("data[new_email]")),
        "{body}"
    );
}

#[tokio::test]
async fn an_opt_in_at_mailchimp_subscribes_the_contact_unless_it_changed_after_the_event_was_fired()
{
    let Hooks {
        app,
        mailchimp: mailchimp_fake,
        ringover: ringover_fake,
    } = app_with_webhooks().await;
    let set_consent = |id: String, version: i64, consent: &'static str| {
        let app = &app;
        async move {
            app.gql(
                "mutation($id: ID!, $v: Int!, $c: EmailConsent!) { updateContact(input: {contactId: $id, expectedVersion: $v, emailConsent: $c}) { contact { version } } }",
                json!({"id": id, "v": version, "c": consent}),
            )
            .await
            .ok();
        }
    };
    // Ada was asked to confirm (double opt-in) and confirms at Mailchimp.
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    set_consent(ada.clone(), 1, "PENDING").await;
    app.sync_step(Utc::now()).await;
    let sent = (
        mailchimp_fake.upserts().len(),
        ringover_fake.upserts().len(),
    );
    let confirmed = subscribe("ada@acme.test", Utc::now() + chrono::Duration::seconds(2));
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, confirmed).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("applied")),
        "{body}"
    );
    assert_eq!(contact(&app, &ada).await["emailConsent"], "SUBSCRIBED");
    assert_eq!(
        audit(&app, &ada).await.last(),
        Some(&(
            "webhook:mailchimp".to_owned(),
            "subscribedAtProvider".to_owned()
        ))
    );
    app.sync_step(Utc::now()).await;
    assert_eq!(
        (
            mailchimp_fake.upserts().len(),
            ringover_fake.upserts().len()
        ),
        (sent.0, sent.1 + 1),
        "not sent back to Mailchimp; the other providers get it"
    );

    // Bob opted out here a moment ago; an opt-in Mailchimp fired before that is older news.
    let bob = person(&app, "Bob", "bob@acme.test", "+33612345679").await;
    set_consent(bob.clone(), 1, "UNSUBSCRIBED").await;
    let stale = subscribe("bob@acme.test", Utc::now() - chrono::Duration::minutes(5));
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, stale).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("unchanged")),
        "{body}"
    );
    assert_eq!(contact(&app, &bob).await["emailConsent"], "UNSUBSCRIBED");

    // Cy re-subscribed and then unsubscribed at Mailchimp, and the events arrive out of order
    // (Mailchimp retries for over an hour): the unsubscribe applies, the older opt-in delivered
    // after it does not.
    let cy = person(&app, "Cy", "cy@acme.test", "+33612345670").await;
    let fired = Utc::now() - chrono::Duration::seconds(30);
    let later = unsubscribe("cy@acme.test", fired);
    let earlier = subscribe("cy@acme.test", fired - chrono::Duration::seconds(10));
    let (_, body) = mailchimp(&app, MAILCHIMP_SECRET, later).await;
    assert_eq!(body["outcome"], "applied", "{body}");
    let (_, body) = mailchimp(&app, MAILCHIMP_SECRET, earlier).await;
    assert_eq!(body["outcome"], "unchanged", "{body}");
    assert_eq!(contact(&app, &cy).await["emailConsent"], "UNSUBSCRIBED");
}

/// An app syncing to the Mailchimp mock through the real provider crate, webhooks on.
async fn app_with_mailchimp_mock() -> (TestApp, MailchimpMock) {
    let mock = MailchimpMock::start().await;
    let provider = mock.provider();
    let limits = provider.limits();
    let mut registry = Registry::default();
    registry
        .register(Arc::new(provider), limits)
        .expect("registered");
    let app = spawn_app_with_providers(
        |s| s.mailchimp = Some(mock.config().with_webhook_secret(MAILCHIMP_SECRET.into())),
        registry,
    )
    .await;
    (app, mock)
}

/// Rename a contact here (a change unrelated to consent) through the API.
async fn rename(app: &TestApp, contact: &str, first_name: &str) {
    let version = self::contact(app, contact).await["version"].clone();
    app.gql(
        "mutation($id: ID!, $v: Int!, $name: String!) { updateContact(input: {contactId: $id, expectedVersion: $v, firstName: $name}) { contact { version } } }",
        json!({"id": contact, "v": version, "name": first_name}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn an_opt_out_made_here_unsubscribes_the_member_once_and_one_mailchimp_reported_is_never_sent_back()
 {
    let (app, mock) = app_with_mailchimp_mock().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let bob = person(&app, "Bob", "bob@acme.test", "+33612345679").await;
    app.sync_step(Utc::now()).await;
    let status = |email: &str| mock.member(email).map(|m| m.status);
    assert_eq!(status("ada@acme.test").as_deref(), Some("subscribed"));
    assert_eq!(status("bob@acme.test").as_deref(), Some("subscribed"));

    // Ada withdraws consent here: the member is unsubscribed at Mailchimp.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, emailConsent: UNSUBSCRIBED}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    assert_eq!(status("ada@acme.test").as_deref(), Some("unsubscribed"));
    assert_eq!(mock.stats().refused_over_cap, 0);

    // Bob unsubscribes at Mailchimp, then signs up again through a Mailchimp form (an event
    // Rapport does not take in). Ada resubscribes there too. A later change here to either
    // of them leaves their subscription alone: the opt-outs were sent or reported once.
    let (code, answer) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("bob@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(
        (code, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    assert_eq!(contact(&app, &bob).await["emailConsent"], "UNSUBSCRIBED");
    mock.insert_member("bob@acme.test", "subscribed");
    mock.insert_member("ada@acme.test", "subscribed");
    rename(&app, &bob, "Robert").await;
    rename(&app, &ada, "Augusta").await;
    app.sync_step(Utc::now()).await;
    let bob_member = mock.member("bob@acme.test").expect("a member");
    assert_eq!(
        (
            bob_member.status.as_str(),
            bob_member.merge_fields.get("FNAME"),
            bob_member.status_was_sent
        ),
        ("subscribed", Some(&json!("Robert")), false),
        "the change reached Mailchimp and the subscription was left alone"
    );
    let ada_member = mock.member("ada@acme.test").expect("a member");
    assert_eq!(
        (
            ada_member.status.as_str(),
            ada_member.merge_fields.get("FNAME"),
            ada_member.status_was_sent
        ),
        ("subscribed", Some(&json!("Augusta")), false)
    );
}

#[tokio::test]
async fn an_opt_in_renewed_here_asks_the_unsubscribed_member_to_confirm_once() {
    let (app, mock) = app_with_mailchimp_mock().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    app.sync_step(Utc::now()).await;

    // Ada unsubscribes at Mailchimp, and later asks her account manager to be put back.
    mock.insert_member("ada@acme.test", "unsubscribed");
    let (_, answer) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("ada@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(answer["outcome"], "applied", "{answer}");
    app.sync_step(Utc::now()).await;
    let version = contact(&app, &ada).await["version"].clone();
    app.gql(
        "mutation($id: ID!, $v: Int!) { updateContact(input: {contactId: $id, expectedVersion: $v, emailConsent: SUBSCRIBED}) { contact { version } } }",
        json!({"id": ada, "v": version}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    let member = mock.member("ada@acme.test").expect("a member");
    assert_eq!(
        (member.status.as_str(), member.status_was_sent),
        ("pending", true),
        "Mailchimp emails her a confirmation request; nothing forces `subscribed`"
    );

    // She confirms at Mailchimp. A later change here leaves her subscription alone.
    mock.insert_member("ada@acme.test", "subscribed");
    rename(&app, &ada, "Augusta").await;
    app.sync_step(Utc::now()).await;
    let member = mock.member("ada@acme.test").expect("a member");
    assert_eq!(
        (
            member.status.as_str(),
            member.merge_fields.get("FNAME"),
            member.status_was_sent
        ),
        ("subscribed", Some(&json!("Augusta")), false)
    );
    assert_eq!(mock.stats().refused_over_cap, 0);
}

// -------------------------------------------------------------------------------- ringover

#[tokio::test]
async fn a_call_event_without_a_valid_signature_answers_401_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let body = call_event(4242, "hangup", "33612345678", Utc::now());
    let other_body = call_event(4243, "hangup", "33612345678", Utc::now());
    let before = app.table_counts().await;

    let cases = [
        ("no signature", None),
        ("an empty signature", Some(String::new())),
        ("garbage", Some("not-a-jwt".to_owned())),
        (
            "another secret",
            Some(sign_webhook(body.as_bytes(), "not-the-secret")),
        ),
        (
            "a signature of another body",
            Some(sign_webhook(other_body.as_bytes(), RINGOVER_SECRET)),
        ),
    ];
    for (case, signature) in cases {
        let (status, answer) = ringover(&app, signature.as_deref(), &body).await;
        assert_eq!(status, 401, "{case}: {answer}");
    }

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
}

#[tokio::test]
async fn a_signed_call_event_becomes_one_interaction_on_the_contact_with_the_number() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33 6 12 34 56 78").await;
    let started = Utc::now() - chrono::Duration::minutes(10);
    let body = call_event(4242, "hangup", "33612345678", started);
    let signature = sign_webhook(body.as_bytes(), RINGOVER_SECRET);

    let (status, answer) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    // Ringover retries: the same event is recorded once.
    let (status, answer) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("duplicate")),
        "{answer}"
    );

    let found = interactions(&app, &ada).await;
    assert_eq!(found["totalCount"], 1, "{found}");
    let call = &found["nodes"][0];
    assert_eq!(call["kind"], "CALL");
    assert_eq!(call["direction"], "INBOUND");
    assert_eq!(call["durationSeconds"], 65);
    assert_eq!(call["source"], "ringover");
    assert_eq!(call["summary"], "Call ended");
    let at = DateTime::parse_from_rfc3339(call["at"].as_str().expect("at")).expect("a time");
    assert_eq!(at.timestamp(), started.timestamp());
    assert_eq!(
        contact(&app, &ada).await["version"],
        1,
        "a call is not a change of the contact"
    );

    // The interaction is a node of its own.
    let node = app
        .gql(
            "query($id: ID!) { node(id: $id) { id ... on Interaction { summary } } }",
            json!({"id": call["id"]}),
        )
        .await
        .ok();
    assert_eq!(node.data("/node/summary"), "Call ended");

    // A later call shows first: newest first, by when it happened.
    let later = call_event(4243, "missed", "33612345678", Utc::now());
    ringover(
        &app,
        Some(&sign_webhook(later.as_bytes(), RINGOVER_SECRET)),
        &later,
    )
    .await;
    let found = interactions(&app, &ada).await;
    assert_eq!(found["totalCount"], 2, "{found}");
    assert_eq!(found["nodes"][0]["summary"], "Missed");
    assert_eq!(found["nodes"][1]["summary"], "Call ended");
    let page = "query($id: ID!, $after: String) { contact(id: $id) { interactions(first: 1, after: $after) { pageInfo { hasNextPage endCursor } nodes { summary } } } }";
    let first = app.gql(page, json!({"id": ada, "after": null})).await.ok();
    assert_eq!(
        first.data("/contact/interactions/nodes/0/summary"),
        "Missed"
    );
    assert_eq!(
        first.data("/contact/interactions/pageInfo/hasNextPage"),
        true
    );
    let cursor = first
        .data("/contact/interactions/pageInfo/endCursor")
        .clone();
    let second = app
        .gql(page, json!({"id": ada, "after": cursor}))
        .await
        .ok();
    assert_eq!(
        second.data("/contact/interactions/nodes/0/summary"),
        "Call ended"
    );
    assert_eq!(
        second.data("/contact/interactions/pageInfo/hasNextPage"),
        false
    );
}

#[tokio::test]
async fn a_call_with_a_number_no_contact_has_stores_nothing_and_is_acknowledged() {
    let Hooks { app, .. } = app_with_webhooks().await;
    person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;
    for (event, number) in [("hangup", "33699999999"), ("ringing", "anonymous")] {
        let body = call_event(77, event, number, Utc::now());
        let (status, answer) = ringover(
            &app,
            Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
            &body,
        )
        .await;
        assert_eq!(status, 200, "{number}: {answer}");
    }
    let aftercall =
        json!({"resource": "aftercall", "event": "created", "data": {"call_id": 77}}).to_string();
    let (status, answer) = ringover(
        &app,
        Some(&sign_webhook(aftercall.as_bytes(), RINGOVER_SECRET)),
        &aftercall,
    )
    .await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("ignored")),
        "{answer}"
    );
    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
}

#[tokio::test]
async fn a_call_finds_the_contact_by_its_current_numbers_also_after_the_phone_index_is_rebuilt() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let bob = person(&app, "Bob", "bob@acme.test", "+33612345679").await;
    // Ada's first number is replaced and a second one added; Bob is erased.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, phones: [{number: \"+33611111111\", type: MOBILE}, {number: \"+44 20 7183 8750\", type: WORK}]}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { id } } }",
        json!({"id": bob}),
    )
    .await
    .ok();
    let mut call_id = 500;
    let mut call = |from: &'static str| {
        call_id += 1;
        let body = call_event(call_id, "hangup", from, Utc::now());
        let app = &app;
        async move {
            let signature = sign_webhook(body.as_bytes(), RINGOVER_SECRET);
            let (status, answer) = ringover(app, Some(&signature), &body).await;
            assert_eq!(status, 200, "{from}: {answer}");
            answer["outcome"].as_str().expect("an outcome").to_owned()
        }
    };
    for (from, expected) in [
        ("33611111111", "applied"),
        ("442071838750", "applied"),
        ("33612345678", "unknown_contact"),
        ("33612345679", "unknown_contact"),
    ] {
        assert_eq!(call(from).await, expected, "a call from {from}");
    }
    assert_eq!(rows(&app, "contact_phones").await, 2);

    // The index is rebuilt from the contacts' phone lists by its migration, as on a database
    // that had contacts before it: the same numbers find the same contact.
    for sql in [
        "DROP TABLE contact_phones",
        "DELETE FROM seaql_migrations WHERE version = 'm20261122_000007_contact_phones'",
    ] {
        app.store.execute_raw(sql).await.expect(sql);
    }
    app.store.migrate().await.expect("migrated again");
    assert_eq!(rows(&app, "contact_phones").await, 2);
    assert_eq!(call("442071838750").await, "applied");
    assert_eq!(call("33612345679").await, "unknown_contact");
    assert_eq!(interactions(&app, &ada).await["totalCount"], 3);
}

#[tokio::test]
async fn ringovers_caller_id_lookup_is_answered_with_the_contact_its_account_and_relationship() {
    let Hooks { app, .. } = app_with_webhooks_and(|s| {
        if let Some(ringover) = s.ringover.as_mut() {
            ringover.contact_url = Some("https://app.example.com/contacts/{id}".to_owned());
        }
    })
    .await;
    let (client, (manager, _)) = app.client_account("Acme").await;
    let ada = person_on(&app, &client, "Ada", "ada@acme.test", "+33612345678").await;
    let bob = person(&app, "Bob", "bob@acme.test", "+4915112345678").await;
    let manager_name = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on TeamMember { name } } }",
            json!({"id": manager}),
        )
        .await
        .ok()
        .data("/node/name")
        .clone();
    let lookup = |direction: &str, from: &str, to: &str| {
        let body = json!({
            "resource": "call", "event": "contact", "timestamp": Utc::now().timestamp(),
            "data": {"call_id": "9001", "direction": direction, "from_number": from, "to_number": to},
        })
        .to_string();
        let signature = sign_webhook(body.as_bytes(), RINGOVER_SECRET);
        (body, signature)
    };
    let before = app.table_counts().await;

    // Ada calls in: Ringover shows her, her account, and that it is a client with its manager.
    let (body, signature) = lookup("inbound", "33612345678", "33199999999");
    let (status, card) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(
        card,
        json!({
            "uuid": ada,
            "firstname": "Ada",
            "lastname": "Lovelace",
            "company": "Acme",
            "url": format!("https://app.example.com/contacts/{ada}"),
            "data": {"Relationship": "Client", "Account manager": manager_name},
            "isShared": true,
        })
    );

    // We call Bob: the callee is looked up. A customer has no account manager.
    let (body, signature) = lookup("outbound", "33199999999", "4915112345678");
    let (status, card) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(
        (&card["uuid"], &card["data"]),
        (&json!(bob), &json!({"Relationship": "Customer"}))
    );

    // A number nobody has, or a hidden one: 204, nothing to show.
    for from in ["33699999999", "anonymous"] {
        let (body, signature) = lookup("inbound", from, "33199999999");
        let (status, answer) = ringover(&app, Some(&signature), &body).await;
        assert_eq!((status, &answer), (204, &Value::Null), "{from}");
    }
    // Unsigned: 401, and nobody is named.
    let (body, _) = lookup("inbound", "33612345678", "33199999999");
    let (status, answer) = ringover(&app, None, &body).await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer.get("firstname").is_none(), "{answer}");
    // A lookup is a read: nothing stored.
    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
}

#[tokio::test]
async fn a_signed_but_malformed_call_event_answers_400() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let body = json!({"resource": "call", "event": "hangup", "data": {"call_id": 1, "direction": "sideways"}}).to_string();
    let (status, answer) = ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("direction")),
        "{answer}"
    );
}

// ------------------------------------------------------------------------- limits, erasure

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

// ------------------------------------------------------------------- reading interactions

#[tokio::test]
async fn a_partner_reads_the_interactions_of_its_own_contacts_only() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let (_, north_token) = app.partner("North").await;
    let (_, south_token) = app.partner("South").await;
    let account = app
        .account_as(&north_token, "Referred Ltd", json!({}))
        .await;
    let ada = person_on(&app, &account, "Ada", "ada@referred.test", "+33612345678").await;
    let body = call_event(5, "answered", "33612345678", Utc::now());
    ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    let query = "query($id: ID!) { contact(id: $id) { interactions { nodes { id summary } } } }";

    let own = app
        .gql_as(Some(&north_token), query, json!({"id": ada}))
        .await
        .ok();
    assert_eq!(
        own.data("/contact/interactions/nodes/0/summary"),
        "Answered"
    );
    let id = own.data("/contact/interactions/nodes/0/id").clone();

    let other = app
        .gql_as(Some(&south_token), query, json!({"id": ada}))
        .await;
    assert_eq!(other.error_code(), Some("NOT_FOUND"), "{}", other.body);
    let other = app
        .gql_as(
            Some(&south_token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(other.error_code(), Some("NOT_FOUND"), "{}", other.body);
    let (_, viewer) = app.member("VIEWER").await;
    let staff = app
        .gql_as(Some(&viewer), query, json!({"id": ada}))
        .await
        .ok();
    assert_eq!(
        staff.data("/contact/interactions/nodes/0/summary"),
        "Answered"
    );
}

#[tokio::test]
async fn a_contacts_page_with_their_interactions_costs_the_same_for_5_or_35_contacts() {
    // No batch window at all, and more than 30 contacts (async-graphql then resolves the list
    // a few items at a time): only loading every contact's page up front keeps one query.
    let Hooks { app, .. } = app_with_webhooks_and(|s| s.graphql.loader_delay_us = 0).await;
    for i in 0..35_u64 {
        let phone = format!("+336100000{i:02}");
        // Each on an account of its own: the accounts are loaded in one batch too.
        person(
            &app,
            &format!("Caller{i:02}"),
            &format!("c{i}@callers.test"),
            &phone,
        )
        .await;
        for (call, event) in [(i * 10, "answered"), (i * 10 + 1, "hangup")] {
            let body = call_event(call, event, &phone[1..], Utc::now());
            ringover(
                &app,
                Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
                &body,
            )
            .await;
        }
    }
    let query = "query($first: Int!) { contacts(first: $first) { nodes { firstName interactions(first: 1) { pageInfo { hasNextPage } nodes { summary } } } } }";
    let mut costs = Vec::new();
    for first in [5, 35] {
        let start = app.store.statement_count();
        let res = app.gql(query, json!({"first": first})).await.ok();
        costs.push(app.store.statement_count() - start);
        let nodes = res
            .data("/contacts/nodes")
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(nodes.len(), first);
        for node in nodes {
            assert_eq!(
                node["interactions"]["nodes"].as_array().map(Vec::len),
                Some(1),
                "{node}"
            );
            assert_eq!(
                node["interactions"]["pageInfo"]["hasNextPage"], true,
                "{node}"
            );
        }
    }
    assert_eq!(
        costs[0], costs[1],
        "statements per request do not grow with the page ({costs:?})"
    );
    assert!(
        costs[0] <= 8,
        "a page costs at most 8 statements, not {}",
        costs[0]
    );
}
