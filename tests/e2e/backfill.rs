//! Operating contact sync: `resyncAll` backfills (one queued job per contact for providers
//! without a bulk API), paused providers seen and resumed, and the `/metrics` counters.

use std::sync::Arc;

use chrono::Utc;
use rapport_integrations::testing::{FakeProvider, FakeResponse};
use rapport_integrations::{ProviderLimits, Registry};
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::{Value, json};

async fn app_with_fake() -> (TestApp, Arc<FakeProvider>) {
    let fake = Arc::new(FakeProvider::new("fake"));
    let mut registry = Registry::default();
    registry
        .register(fake.clone(), ProviderLimits::default())
        .expect("registered");
    (spawn_app_with_providers(|_| {}, registry).await, fake)
}

const RESYNC: &str = "mutation($p: String!) { resyncAll(input: {provider: $p}) { started resync { id provider state total processed synced queued } } }";
const RESYNCS: &str =
    "{ resyncs { id provider state total processed synced queued pages finishedAt } }";
const PROVIDERS: &str =
    "{ syncProviders { name paused pausedReason pendingJobs inFlightJobs failedJobs } }";

async fn metrics(app: &TestApp) -> String {
    let res = app
        .client()
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics answered");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("application/openmetrics-text")),
        "OpenMetrics text, which Prometheus reads"
    );
    res.text().await.expect("metrics body")
}

fn metric(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn resync_all_is_for_admins_and_names_what_is_wrong() {
    let (app, _fake) = app_with_fake().await;
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let denied = app
        .gql_as(Some(&manager), RESYNC, json!({"p": "fake"}))
        .await;
    assert_eq!(denied.error_code(), Some("FORBIDDEN"), "{:?}", denied.body);
    let unknown = app.gql(RESYNC, json!({"p": "mailchump"})).await;
    assert_eq!(unknown.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(unknown.error_field(), Some("provider"));
    assert!(
        unknown.body.to_string().contains("enabled: fake"),
        "the error names the enabled providers: {}",
        unknown.body
    );
    let runs = app.gql(RESYNCS, json!({})).await.ok();
    assert_eq!(
        runs.data("/resyncs"),
        &json!([]),
        "bad input starts nothing"
    );
}

#[tokio::test]
async fn resync_all_queues_every_live_contact_once_for_a_provider_without_a_bulk_api() {
    let (app, fake) = app_with_fake().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let mut contacts = Vec::new();
    for name in ["Ada", "Grace", "Edsger"] {
        let email = format!("{}@acme.test", name.to_lowercase());
        contacts.push(app.contact(&account, name, Some(&email)).await);
    }
    app.sync_step(Utc::now()).await;
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
        json!({"id": contacts[2]}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    let before = fake.upserts().len();
    assert_eq!(before, 3);

    let started = app.gql(RESYNC, json!({"p": "fake"})).await.ok();
    assert_eq!(started.data("/resyncAll/started"), true);
    let run = started.data("/resyncAll/resync").clone();
    assert_eq!(run["state"], "RUNNING");
    assert_eq!(run["total"], 2, "live contacts only: {run}");
    assert_eq!(run["processed"], 0);
    let again = app.gql(RESYNC, json!({"p": "fake"})).await.ok();
    assert_eq!(
        again.data("/resyncAll/started"),
        false,
        "one backfill per provider at a time"
    );
    assert_eq!(again.data("/resyncAll/resync/id"), &run["id"]);

    let step = app.sync.resync_step(Utc::now()).await;
    assert_eq!(
        (step.pages, step.queued, step.synced),
        (1, 2, 0),
        "{step:?}"
    );
    let step = app.sync.resync_step(Utc::now()).await;
    assert_eq!(step.finished, 1, "{step:?}");
    assert!(app.sync.resync_step(Utc::now()).await.is_idle());

    let runs = app.gql(RESYNCS, json!({})).await.ok();
    let done = &runs.data("/resyncs")[0];
    assert_eq!(done["state"], "DONE", "{done}");
    assert_eq!(done["processed"], 2);
    assert_eq!(done["queued"], 2);
    assert!(done["finishedAt"].is_string());

    app.sync_step(Utc::now()).await;
    let mut sent: Vec<_> = fake.upserts()[before..]
        .iter()
        .map(|c| c.first_name.as_str().to_owned())
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        ["Ada", "Grace"],
        "each live contact once, the erased one never"
    );
    let audit = app
        .gql(
            "{ auditLog(first: 10, filter: {action: \"resyncAll\"}) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        audit.data("/auditLog/totalCount"),
        1,
        "one audit row per backfill started"
    );
}

#[tokio::test]
async fn a_provider_that_refuses_our_credentials_is_shown_paused_until_an_admin_resumes_it() {
    let (app, fake) = app_with_fake().await;
    fake.script([FakeResponse::unauthorized()]);
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    app.contact(&account, "Ada", Some("ada@acme.test")).await;
    let report = app.sync_step(Utc::now()).await;
    assert_eq!(report.paused.len(), 1, "{report:?}");

    let providers = app.gql(PROVIDERS, json!({})).await.ok();
    let fake_state = &providers.data("/syncProviders")[0];
    assert_eq!(fake_state["name"], "fake");
    assert_eq!(fake_state["paused"], true, "{fake_state}");
    assert!(
        fake_state["pausedReason"]
            .as_str()
            .is_some_and(|r| r.contains("401")),
        "{fake_state}"
    );
    assert_eq!(fake_state["pendingJobs"], 1, "the job waits: {fake_state}");
    let page = metrics(&app).await;
    assert_eq!(
        metric(&page, "rapport_sync_provider_paused{provider=\"fake\"}"),
        Some(1.0),
        "{page}"
    );
    assert_eq!(
        metric(
            &page,
            "rapport_sync_jobs_total{provider=\"fake\",outcome=\"paused\"}"
        ),
        Some(1.0),
        "{page}"
    );

    app.sync_step(Utc::now()).await;
    assert_eq!(fake.calls().len(), 1, "nothing is sent while paused");

    let resume = "mutation { resumeSyncProvider(input: {provider: \"fake\"}) { resumed provider { paused } } }";
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let denied = app.gql_as(Some(&manager), resume, json!({})).await;
    assert_eq!(denied.error_code(), Some("FORBIDDEN"));
    let resumed = app.gql(resume, json!({})).await.ok();
    assert_eq!(
        resumed.data("/resumeSyncProvider"),
        &json!({"resumed": true, "provider": {"paused": false}})
    );
    app.sync_step(Utc::now()).await;
    assert_eq!(fake.upserts().len(), 2, "resumed: the job is sent");
    let page = metrics(&app).await;
    assert_eq!(
        metric(
            &page,
            "rapport_sync_jobs_total{provider=\"fake\",outcome=\"synced\"}"
        ),
        Some(1.0),
        "{page}"
    );
    assert_eq!(
        metric(
            &page,
            "rapport_sync_queue_jobs{provider=\"fake\",state=\"pending\"}"
        ),
        Some(0.0),
        "{page}"
    );
    assert_eq!(
        metric(&page, "rapport_sync_provider_paused{provider=\"fake\"}"),
        Some(0.0)
    );
    let again = app.gql(resume, json!({})).await.ok();
    assert_eq!(
        again.data("/resumeSyncProvider/resumed"),
        &Value::Bool(false),
        "resuming a running provider changes nothing"
    );
}

#[tokio::test]
async fn resync_all_reaches_mailchimp_through_batch_subscribe_and_repeats_a_failed_call() {
    use rapport_tests::mock::mailchimp::routes;
    use rapport_tests::mock::{Fault, MailchimpMock};

    let mock = MailchimpMock::start().await;
    let provider = mock.provider();
    let limits = provider.limits();
    let mut registry = Registry::default();
    registry
        .register(Arc::new(provider), limits)
        .expect("registered");
    let app = spawn_app_with_providers(|_| {}, registry).await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let mut contacts = Vec::new();
    for name in ["ada", "grace", "edsger"] {
        let created = app
            .gql(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                json!({"input": {"accountId": account, "firstName": name,
                    "email": format!("{name}@acme.test"), "emailConsent": "SUBSCRIBED"}}),
            )
            .await
            .ok();
        contacts.push(created.data("/createContact/contact/id").clone());
    }
    // The contacts' own jobs have not run: the backfill alone fills the audience.
    mock.faults().on(routes::BATCH, Fault::status(503));

    app.gql(RESYNC, json!({"p": "mailchimp"})).await.ok();
    let step = app.sync.resync_step(Utc::now()).await;
    assert_eq!(step.pages, 1, "{step:?}");
    assert_eq!(step.synced, 3, "{step:?}");
    assert_eq!(step.queued, 0, "{step:?}");
    assert_eq!(
        step.bulk_retries, 3,
        "the failed call was sent again: {step:?}"
    );
    let stats = mock.stats();
    assert_eq!(stats.on(routes::BATCH), 2, "one failed call, one repeat");
    assert_eq!(stats.requests, 2, "nothing but batch calls");
    for name in ["ada", "grace", "edsger"] {
        let member = mock.member(&format!("{name}@acme.test"));
        assert!(member.is_some(), "{name} is a member again");
    }
    assert_eq!(
        step.finished, 1,
        "the last page ends the backfill: {step:?}"
    );
    assert!(app.sync.resync_step(Utc::now()).await.is_idle());
    let status = app
        .gql(
            "query($id: ID!) { contact(id: $id) { syncStatus { state externalId } } }",
            json!({"id": contacts[0]}),
        )
        .await
        .ok();
    assert_eq!(
        status.data("/contact/syncStatus/0/externalId"),
        &json!(rapport_tests::mock::mailchimp::hash_of("ada@acme.test"))
    );
}

#[tokio::test]
async fn a_contact_erased_while_its_backfill_page_was_in_flight_is_erased_at_the_provider_again() {
    use rapport_api::store::{BulkSynced, ResyncPage};
    use rapport_domain::ids::ContactId;

    let (app, fake) = app_with_fake().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.test")).await;
    let (_, raw) = rapport_api::global_id::decode_any(&contact).expect("a contact id");
    let now = Utc::now();
    let tx = app.store.begin().await.expect("tx");
    tx.start_resync("fake", "test", now).await.expect("started");
    tx.commit().await.expect("committed");
    let run = app
        .store
        .claim_resync("fake", "lease", now + chrono::Duration::minutes(5), now)
        .await
        .expect("claimed")
        .expect("a run to claim");

    // The page was read and sent; then the contact is erased and its erasure delivered…
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
        json!({"id": contact}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    assert_eq!(fake.erasures().len(), 1);
    // …and only then does the bulk call's answer come back, saying the contact was synced.
    let page = ResyncPage {
        last_contact: raw,
        synced: vec![BulkSynced {
            contact: ContactId::new(raw),
            external_id: Some("member-1".to_owned()),
            email_key: None,
            sent_email: Some("ada@acme.test".to_owned()),
            sent_consent: Some("SUBSCRIBED".to_owned()),
        }],
        queued: vec![],
    };
    assert!(
        app.store
            .advance_resync(run.id, "lease", &page, Utc::now(), false)
            .await
            .expect("advanced")
    );
    app.sync_step(Utc::now()).await;
    assert_eq!(
        fake.erasures().len(),
        2,
        "the provider is told to erase the contact again: {:?}",
        fake.calls()
    );
    assert!(
        fake.upserts().is_empty(),
        "and the erased contact is never sent"
    );
}
