//! Provider faults end to end: contacts created through GraphQL, the API's store-backed worker,
//! the real provider crates, and stateful local mocks of Mailchimp and Ringover that fail on
//! script (`rapport_tests::mock`). Retries are scheduled by time: each step runs on a clock the
//! test advances.
//!
//! - Retryable faults (429 with and without `Retry-After`, 500/502/503, a reset connection, a
//!   response stalled past the client's timeout, malformed JSON, Mailchimp's bare 403) count an
//!   attempt, keep the job pending with the reason, and deliver once due again — one member or
//!   contact at the mock, never two.
//! - Mailchimp's permanent errors park the job as FAILED with the reason (`syncStatus`,
//!   `syncFailures`) and no later step calls Mailchimp for it again.
//! - Refused credentials (401; Ringover's bare 403, which its crate reads as unauthorized)
//!   pause the provider: the step report names it, `syncProviders` shows it paused with the
//!   reason, later steps skip it without a call.
//! - Mailchimp never has more calls in flight than its cap; Ringover stays under its rate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rapport_api::global_id::{Kind, decode};
use rapport_domain::ids::ContactId;
use rapport_integrations::{ContactSync, Outcome, PausedProvider, Registry};
use rapport_mailchimp::{MailchimpConfig, MailchimpProvider};
use rapport_ringover::{RingoverConfig, RingoverProvider};
use rapport_tests::mock::mailchimp::{self, problem_fault};
use rapport_tests::mock::ringover;
use rapport_tests::mock::{Fault, FaultScript, MailchimpMock, MockOptions, RingoverMock};
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::{Value, json};

fn email(n: usize) -> String {
    format!("ada{n}@acme.test")
}

/// Contact `n`'s mobile number, E.164 digits (as Ringover keeps it).
fn digits(n: usize) -> u64 {
    33_610_000_000 + u64::try_from(n).expect("small")
}

fn hours(n: usize) -> chrono::Duration {
    chrono::Duration::hours(i64::try_from(n).expect("small"))
}

fn mailchimp_registry(config: MailchimpConfig) -> Registry {
    let provider = MailchimpProvider::new(config).expect("a valid configuration");
    let limits = provider.limits();
    let mut registry = Registry::new();
    registry
        .register(Arc::new(provider), limits)
        .expect("registered");
    registry
}

fn ringover_registry(config: &RingoverConfig) -> Registry {
    let provider = RingoverProvider::new(config).expect("a valid configuration");
    let mut registry = Registry::new();
    registry
        .register(Arc::new(provider), config.limits())
        .expect("registered");
    registry
}

/// A provider mock the flows below drive, with the provider registered against it.
trait Mocked {
    const NAME: &'static str;
    /// The route of an upsert's first call.
    const FIRST: &'static str;
    /// The provider pointed at the mock; with a client timeout under a second when `short`.
    fn registry(&self, short_timeout: bool) -> Registry;
    fn script(&self) -> &FaultScript;
    fn requests(&self) -> usize;
    /// Whether contact `n` is at the provider, exactly once.
    fn holds(&self, n: usize) -> bool;
    /// Members or contacts created so far.
    fn created(&self) -> usize;
}

impl Mocked for MailchimpMock {
    const NAME: &'static str = "mailchimp";
    const FIRST: &'static str = mailchimp::routes::PUT_MEMBER;
    fn registry(&self, short_timeout: bool) -> Registry {
        let mut config = self.config();
        if short_timeout {
            config.timeout_secs = 1;
        }
        mailchimp_registry(config)
    }
    fn script(&self) -> &FaultScript {
        self.faults()
    }
    fn requests(&self) -> usize {
        self.stats().requests
    }
    fn holds(&self, n: usize) -> bool {
        self.member(&email(n))
            .is_some_and(|m| m.email_address == email(n) && m.tags.contains("customer"))
    }
    fn created(&self) -> usize {
        MailchimpMock::created(self)
    }
}

impl Mocked for RingoverMock {
    const NAME: &'static str = "ringover";
    const FIRST: &'static str = ringover::routes::SEARCH;
    fn registry(&self, short_timeout: bool) -> Registry {
        let mut config = self.config();
        if short_timeout {
            config = config.with_timeout(Duration::from_millis(300));
        }
        ringover_registry(&config)
    }
    fn script(&self) -> &FaultScript {
        self.faults()
    }
    fn requests(&self) -> usize {
        self.stats().requests
    }
    fn holds(&self, n: usize) -> bool {
        matches!(&self.contacts_with_number(digits(n))[..], [one] if one.firstname == format!("Ada{n}"))
    }
    fn created(&self) -> usize {
        RingoverMock::created(self)
    }
}

async fn account(app: &TestApp) -> String {
    app.account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await
}

/// Creates contact `n` on `account`: an address with consent (so Mailchimp creates a member)
/// and a mobile number (so Ringover gets a contact).
async fn contact(app: &TestApp, account: &str, n: usize) -> String {
    app.contact_with(json!({
        "accountId": account,
        "firstName": format!("Ada{n}"),
        "lastName": "Lovelace",
        "email": email(n),
        "emailConsent": "SUBSCRIBED",
        "phones": [{"number": format!("+{}", digits(n)), "type": "MOBILE"}],
    }))
    .await
}

/// `syncStatus` of the contact's only provider.
async fn sync_status(app: &TestApp, contact: &str) -> Value {
    let mut all = app.sync_status(contact).await;
    assert_eq!(all.len(), 1, "one provider: {all:?}");
    all.remove(0)
}

/// When the contact's pending job is due, read from the store.
async fn due_at(app: &TestApp, contact: &str) -> DateTime<Utc> {
    let id = ContactId::new(decode(Kind::Contact, contact).expect("a contact id"));
    let (jobs, _) = app.store.sync_rows_for(&[id]).await.expect("sync rows");
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    jobs[0].due_at
}

fn assert_reason(status: &Value, reason: &str) {
    assert!(
        status["lastError"]
            .as_str()
            .is_some_and(|e| e.contains(reason)),
        "expected a last error with {reason:?}: {status}"
    );
}

/// Contact 1's upsert meets `fault` on `route` for its first `times` attempts: each attempt is
/// counted and retried after the backoff with the reason kept, then the contact is delivered,
/// once.
async fn retried_then_delivered<M: Mocked>(
    mock: &M,
    route: &str,
    fault: Fault,
    times: usize,
    reason: &str,
) {
    let short_timeout = matches!(fault, Fault::Stall(_));
    mock.script().on_n(route, times, fault);
    let app = spawn_app_with_providers(|_| {}, mock.registry(short_timeout)).await;
    let account = account(&app).await;
    let contact = contact(&app, &account, 1).await;
    let t0 = Utc::now();
    for attempt in 1..=times {
        let now = t0 + hours(attempt - 1);
        let report = app.sync_step(now).await;
        assert_eq!(
            report.count(Outcome::Retried),
            1,
            "attempt {attempt}: {report}"
        );
        let status = sync_status(&app, &contact).await;
        assert_eq!(status["state"], "PENDING", "{status}");
        assert_eq!(status["attempts"], attempt, "{status}");
        assert_reason(&status, reason);
        // Full-jitter backoff: due within 2^(attempt-1) s.
        let delay = due_at(&app, &contact).await - now;
        let ceiling = chrono::Duration::seconds(1 << (attempt - 1));
        assert!(
            delay >= chrono::Duration::zero() && delay <= ceiling,
            "attempt {attempt}: due after {delay}"
        );
    }
    let report = app.sync_step(t0 + hours(times)).await;
    assert_eq!(report.count(Outcome::Synced), 1, "{report}");
    let status = sync_status(&app, &contact).await;
    assert_eq!(status["state"], "SYNCED", "{status}");
    assert!(status["externalId"].is_string(), "{status}");
    assert_eq!(mock.script().pending(), 0, "every scripted fault was met");
    assert!(mock.holds(1), "the provider has the contact");
    assert_eq!(
        mock.created(),
        1,
        "created once, whatever the failed attempts did"
    );
    assert!(app.sync_step(t0 + hours(times + 1)).await.is_idle());
}

/// A 429 asking for 120 s: the job is due exactly then, not a moment before.
async fn retry_after_is_the_next_due_time<M: Mocked>(mock: &M, fault: Fault) {
    mock.script().on(M::FIRST, fault.with_retry_after("120"));
    let app = spawn_app_with_providers(|_| {}, mock.registry(false)).await;
    let account = account(&app).await;
    let contact = contact(&app, &account, 1).await;
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(report.count(Outcome::Retried), 1, "{report}");
    let status = sync_status(&app, &contact).await;
    assert_reason(&status, "HTTP 429");
    let delay = due_at(&app, &contact).await - t0;
    assert!(
        (delay - chrono::Duration::seconds(120)).abs() < chrono::Duration::milliseconds(1),
        "due after {delay}, not the 120 s asked"
    );
    let calls = mock.requests();
    let early = app.sync_step(t0 + chrono::Duration::seconds(119)).await;
    assert!(early.is_idle(), "not due before Retry-After: {early}");
    assert_eq!(mock.requests(), calls, "no call before Retry-After");
    let due = app.sync_step(t0 + chrono::Duration::seconds(120)).await;
    assert_eq!(due.count(Outcome::Synced), 1, "{due}");
    assert!(mock.holds(1));
    assert_eq!(
        sync_status(&app, &contact).await["state"],
        "SYNCED",
        "delivered once due"
    );
}

/// Mailchimp refuses contact 1 for good: the job is parked FAILED with the reason, shown in
/// `syncStatus` and `syncFailures`, and never tried again.
async fn parked(mock: &MailchimpMock, reason: &str) {
    let app = spawn_app_with_providers(|_| {}, mock.registry(false)).await;
    let account = account(&app).await;
    let contact = contact(&app, &account, 1).await;
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(report.count(Outcome::DeadLettered), 1, "{report}");
    let status = sync_status(&app, &contact).await;
    assert_eq!(status["state"], "FAILED", "{status}");
    assert_eq!(status["lastError"], reason, "{status}");
    let failures = app
        .gql(
            "{ syncFailures(provider: \"mailchimp\") { totalCount nodes { kind attempts lastError contact { id } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        failures.data("/syncFailures/totalCount"),
        1,
        "{}",
        failures.body
    );
    assert_eq!(failures.data("/syncFailures/nodes/0/lastError"), reason);
    assert_eq!(failures.data("/syncFailures/nodes/0/attempts"), 1);
    assert_eq!(
        failures.data("/syncFailures/nodes/0/contact/id"),
        contact.as_str()
    );
    let calls = mock.requests();
    assert_eq!(calls, 1, "one call, no tags after a refused write");
    for later in [t0 + hours(1), t0 + hours(24 * 7)] {
        assert!(app.sync_step(later).await.is_idle());
    }
    assert_eq!(
        mock.requests(),
        calls,
        "a parked job is never retried in a loop"
    );
    assert_eq!(sync_status(&app, &contact).await["state"], "FAILED");
}

/// Every call of three contacts is refused as unauthorized: the provider is paused and named
/// in the step report; the jobs stay pending with the reason; later steps skip the provider
/// without calling it.
async fn paused<M: Mocked>(mock: &M, registry: Registry, reason: &str) {
    let app = spawn_app_with_providers(|_| {}, registry).await;
    let account = account(&app).await;
    let mut contacts = Vec::new();
    for n in 1..=3 {
        contacts.push(contact(&app, &account, n).await);
    }
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(
        report.paused,
        vec![PausedProvider {
            provider: M::NAME,
            reason: reason.to_owned()
        }],
        "{report}"
    );
    assert_eq!(report.count(Outcome::Paused), 3, "{report}");
    assert!(
        app.store
            .is_provider_paused(M::NAME)
            .await
            .expect("pause state")
    );
    let calls = mock.requests();
    assert!((1..=3).contains(&calls), "{calls} calls before the pause");
    // What the API shows: each sync still pending (nothing lost, nothing parked), with the
    // refusal as its last error.
    for contact in &contacts {
        let status = sync_status(&app, contact).await;
        assert_eq!(status["state"], "PENDING", "{status}");
        assert_eq!(status["lastError"], reason, "{status}");
    }
    let failures = app
        .gql("{ syncFailures { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(failures.data("/syncFailures/totalCount"), 0);
    // And the provider itself is shown paused, with the reason, its jobs waiting.
    let providers = app
        .gql(
            "{ syncProviders { name paused pausedReason pendingJobs inFlightJobs failedJobs } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        providers.data("/syncProviders"),
        &json!([{
            "name": M::NAME, "paused": true, "pausedReason": reason,
            "pendingJobs": 3, "inFlightJobs": 0, "failedJobs": 0,
        }]),
        "{}",
        providers.body
    );
    for later in [t0 + hours(1), t0 + hours(24)] {
        let report = app.sync_step(later).await;
        assert_eq!(report.skipped_paused, vec![M::NAME], "{report}");
        assert_eq!(report.claimed, 0, "{report}");
    }
    assert_eq!(mock.requests(), calls, "no call while paused");
}

/// One test per retryable fault: `name: Mock, route, fault, times, reason;`.
macro_rules! retried {
    ($($name:ident: $mock:ident, $route:expr, $fault:expr, $times:expr, $reason:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let mock = $mock::start().await;
            retried_then_delivered(&mock, $route, $fault, $times, $reason).await;
        }
    )*};
}

const PUT: &str = mailchimp::routes::PUT_MEMBER;
const SEARCH: &str = ringover::routes::SEARCH;

retried! {
    mailchimp_429_without_retry_after_is_retried_on_the_backoff_and_delivered:
        MailchimpMock, PUT, problem_fault(429, "Too Many Requests"), 2, "HTTP 429: Too Many Requests";
    mailchimp_500_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(500), 2, "HTTP 500 without a body";
    mailchimp_502_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(502), 2, "HTTP 502 without a body";
    mailchimp_503_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(503), 2, "HTTP 503 without a body";
    mailchimp_connection_reset_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::Reset, 2, "the connection to the provider dropped";
    mailchimp_response_stalled_past_the_client_timeout_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::Stall(Duration::from_secs(3)), 2, "did not answer in time";
    mailchimp_malformed_json_over_an_applied_write_is_retried_and_delivered_once:
        MailchimpMock, PUT, Fault::MalformedJson, 2, "could not be read";
    mailchimp_bare_403_is_load_shedding_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(403), 2, "HTTP 403 without a body";
    mailchimp_failed_tags_call_retries_the_whole_upsert:
        MailchimpMock, mailchimp::routes::TAGS, Fault::status(502), 1, "HTTP 502 without a body";
    ringover_429_without_retry_after_is_retried_on_the_backoff_and_delivered:
        RingoverMock, SEARCH, Fault::json(429, &json!({"message": "Too many requests"})), 2,
        "HTTP 429: Too many requests";
    ringover_500_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::status(500), 2, "HTTP 500 without a body";
    ringover_502_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::status(502), 2, "HTTP 502 without a body";
    ringover_503_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::status(503), 2, "HTTP 503 without a body";
    ringover_connection_reset_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::Reset, 2, "the connection to the provider dropped";
    ringover_response_stalled_past_the_client_timeout_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::Stall(Duration::from_secs(2)), 2, "did not answer in time";
    ringover_malformed_json_over_an_applied_create_is_retried_and_finds_it_instead_of_a_duplicate:
        RingoverMock, ringover::routes::CREATE, Fault::MalformedJson, 1, "could not be read";
}

#[tokio::test]
async fn mailchimp_429_with_retry_after_is_honoured_as_the_next_due_time() {
    let mock = MailchimpMock::start().await;
    retry_after_is_the_next_due_time(&mock, problem_fault(429, "Too Many Requests")).await;
}

#[tokio::test]
async fn ringover_429_with_retry_after_is_honoured_as_the_next_due_time() {
    let mock = RingoverMock::start().await;
    let fault = Fault::json(429, &json!({"message": "Too many requests"}));
    retry_after_is_the_next_due_time(&mock, fault).await;
}

#[tokio::test]
async fn mailchimp_member_in_compliance_state_is_parked_as_failed_and_not_retried() {
    let mock = MailchimpMock::start().await;
    mock.put_in_compliance_state(&email(1));
    parked(&mock, "HTTP 400: Member In Compliance State").await;
}

#[tokio::test]
async fn mailchimp_forgotten_email_is_parked_as_failed_and_not_retried() {
    let mock = MailchimpMock::start().await;
    mock.forget(&email(1));
    parked(&mock, "HTTP 400: Forgotten Email Not Subscribed").await;
}

#[tokio::test]
async fn mailchimp_invalid_resource_is_parked_as_failed_naming_the_field_and_not_retried() {
    let mock = MailchimpMock::start().await;
    mock.remove_merge_field("RELTYPE");
    parked(&mock, "HTTP 400: Invalid Resource (fields: RELTYPE)").await;
}

#[tokio::test]
async fn mailchimp_401_pauses_the_provider_and_later_steps_do_not_call_it() {
    let mock = MailchimpMock::start().await;
    let mut config = mock.config();
    config.api_key = "ffffffffffffffff-us19".to_owned().into();
    paused(
        &mock,
        mailchimp_registry(config),
        "HTTP 401: API Key Invalid",
    )
    .await;
}

#[tokio::test]
async fn ringover_401_pauses_the_provider_and_later_steps_do_not_call_it() {
    let mock = RingoverMock::start().await;
    let mut config = mock.config();
    config.api_key = "not-the-key".to_owned().into();
    paused(
        &mock,
        ringover_registry(&config),
        "HTTP 401: Invalid API key",
    )
    .await;
}

#[tokio::test]
async fn ringover_bare_403_is_read_as_refused_credentials_and_pauses_the_provider() {
    // Unlike Mailchimp's, Ringover's crate keeps the core mapping: 403 is unauthorized.
    let mock = RingoverMock::start().await;
    mock.faults().always(SEARCH, Fault::status(403));
    paused(&mock, mock.registry(false), "HTTP 403 without a body").await;
}

#[tokio::test]
async fn mailchimp_never_has_more_calls_in_flight_than_its_cap_through_the_worker() {
    const CAP: usize = 10;
    const CONTACTS: usize = 40;
    let mock = MailchimpMock::start_with(MockOptions {
        latency: Duration::from_millis(25),
        max_connections: Some(CAP),
        ..MockOptions::default()
    })
    .await;
    let config = mock.config();
    assert_eq!(config.max_connections.get(), CAP);
    let app = spawn_app_with_providers(|_| {}, mailchimp_registry(config)).await;
    let account = account(&app).await;
    for n in 1..=CONTACTS {
        contact(&app, &account, n).await;
    }
    let report = app.sync_step(Utc::now()).await;
    assert_eq!(report.count(Outcome::Synced), CONTACTS, "{report}");
    let stats = mock.stats();
    assert_eq!(stats.refused_over_cap, 0, "{stats:?}");
    assert!(stats.max_in_flight <= CAP, "{stats:?}");
    assert!(
        stats.max_in_flight > CAP / 2,
        "the worker pressed against the cap: {stats:?}"
    );
    assert_eq!(stats.requests, 2 * CONTACTS, "a write and a tags call each");
    assert_eq!(mock.members().len(), CONTACTS);

    // The control: a client that ignores the cap is refused by the same mock.
    let mut greedy = mock.config();
    greedy.max_connections = std::num::NonZeroUsize::new(3 * CAP).expect("non-zero");
    let greedy = Arc::new(MailchimpProvider::new(greedy).expect("valid"));
    let mut calls = tokio::task::JoinSet::new();
    for n in 1..=3 * CAP {
        let greedy = Arc::clone(&greedy);
        let contact = rapport_integrations::testing::sync_contact(i64::try_from(n).expect("small"));
        calls.spawn(async move { greedy.upsert(&contact).await });
    }
    let refused = calls
        .join_all()
        .await
        .into_iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.reason().contains("HTTP 429")))
        .count();
    assert!(
        refused > 0 && mock.stats().refused_over_cap > 0,
        "{:?}",
        mock.stats()
    );
}

#[tokio::test]
async fn ringover_stays_under_its_configured_request_rate_through_the_worker() {
    const RATE: f64 = 20.0;
    const CONTACTS: usize = 12;
    let mock = RingoverMock::start().await;
    let config = mock.config().with_requests_per_second(RATE);
    let app = spawn_app_with_providers(|_| {}, ringover_registry(&config)).await;
    let account = account(&app).await;
    for n in 1..=CONTACTS {
        contact(&app, &account, n).await;
    }
    let report = app.sync_step(Utc::now()).await;
    assert_eq!(report.count(Outcome::Synced), CONTACTS, "{report}");
    let mut arrivals: Vec<Instant> = mock.log().iter().map(|l| l.at).collect();
    arrivals.sort();
    assert_eq!(arrivals.len(), 2 * CONTACTS, "a search and a create each");
    // At most RATE in any second (one more for arrival jitter on a busy machine), and the
    // whole run no faster than RATE on average.
    let busiest = mock.busiest(Duration::from_secs(1));
    assert!(busiest <= 21, "{busiest} requests within one second");
    let span = arrivals[arrivals.len() - 1] - arrivals[0];
    let mean = (arrivals.len() - 1) as f64 / span.as_secs_f64();
    assert!(
        mean <= RATE * 1.05,
        "{mean:.1} requests per second over {span:?}"
    );
    assert!(mock.duplicated_numbers().is_empty());
}

#[tokio::test]
async fn injected_server_errors_are_retried_until_every_contact_is_delivered_once() {
    const CONTACTS: usize = 20;
    let options = MockOptions {
        server_error_share: 0.15,
        seed: 42,
        ..MockOptions::default()
    };
    let mailchimp = MailchimpMock::start_with(options).await;
    let ringover = RingoverMock::start_with(options).await;
    let mut registry = mailchimp.registry(false);
    let provider = ringover.provider();
    registry
        .register(Arc::new(provider), ringover.config().limits())
        .expect("registered");
    let app = spawn_app_with_providers(|_| {}, registry).await;
    let account = account(&app).await;
    for n in 1..=CONTACTS {
        contact(&app, &account, n).await;
    }
    let t0 = Utc::now();
    let mut steps = 0;
    while !app.sync_step(t0 + hours(steps)).await.is_idle() {
        steps += 1;
        assert!(steps < 30, "still not delivered after {steps} steps");
    }
    assert_eq!(app.store.count_rows("sync_jobs").await.expect("count"), 0);
    assert_eq!(
        app.store.count_rows("sync_states").await.expect("count"),
        i64::try_from(2 * CONTACTS).expect("small")
    );
    assert!(mailchimp.stats().injected_server_errors > 0);
    assert!(ringover.stats().injected_server_errors > 0);
    for n in 1..=CONTACTS {
        assert!(mailchimp.holds(n), "contact {n} at Mailchimp");
        assert!(ringover.holds(n), "contact {n} at Ringover");
    }
    assert_eq!(mailchimp.created(), CONTACTS);
    assert_eq!(ringover.created(), CONTACTS);
    assert!(ringover.duplicated_numbers().is_empty());
}

/// The Mailchimp mock, whose next `PUT` is applied but answered with a body cut short, an app
/// syncing to it, and an account.
async fn app_whose_first_put_answer_is_cut() -> (MailchimpMock, TestApp, String) {
    let mock = MailchimpMock::start().await;
    mock.faults().on(PUT, Fault::MalformedJson);
    let app = spawn_app_with_providers(|_| {}, mock.registry(false)).await;
    let account = account(&app).await;
    (mock, app, account)
}

/// `true` when the SQLite file or its write-ahead log holds `text` anywhere, byte for byte.
fn database_holds(app: &TestApp, text: &str) -> bool {
    ["rapport.db", "rapport.db-wal"].iter().any(|file| {
        std::fs::read(app.data_dir.path().join(file))
            .unwrap_or_default()
            .windows(text.len())
            .any(|w| w == text.as_bytes())
    })
}

#[tokio::test]
async fn a_member_whose_upsert_answer_was_lost_is_still_erased_and_no_address_waits_here() {
    // Contact 1's first PUT is applied at Mailchimp but its answer is cut short: the worker
    // cannot know the member exists, and records nothing of it. Contact 2 is synced normally.
    let (mock, app, account) = app_whose_first_put_answer_is_cut().await;
    let lost = contact(&app, &account, 1).await;
    let synced = contact(&app, &account, 2).await;
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(
        (
            report.count(Outcome::Retried),
            report.count(Outcome::Synced)
        ),
        (1, 1),
        "{report}"
    );
    assert!(mock.member(&email(1)).is_some(), "the lost PUT was applied");

    // Both are erased before any retry.
    for id in [&lost, &synced] {
        app.gql(
            "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
            json!({"id": id}),
        )
        .await
        .ok();
    }
    // Nothing names them here any more, not even the sync state waiting for the erasures.
    if app.backend == "sqlite" {
        for n in [1, 2] {
            assert!(
                !database_holds(&app, &email(n)),
                "{} is still stored",
                email(n)
            );
        }
    }

    let report = app.sync_step(t0 + hours(1)).await;
    assert_eq!(report.count(Outcome::Erased), 2, "{report}");
    for n in [1, 2] {
        assert!(
            mock.member(&email(n)).is_none(),
            "{} is still at Mailchimp",
            email(n)
        );
    }
    assert_eq!(
        mock.stats().on(mailchimp::routes::DELETE_PERMANENT),
        2,
        "each member deleted permanently, under the key kept at erasure"
    );
    assert_eq!(mock.created(), 2);
    assert!(app.sync_step(t0 + hours(2)).await.is_idle());
}

#[tokio::test]
async fn an_address_changed_after_an_upsert_whose_answer_was_lost_renames_that_member() {
    // Contact 1's first PUT creates the member but its answer is cut short; the address then
    // changes before the retry. The member is renamed, not left beside a second one.
    let (mock, app, account) = app_whose_first_put_answer_is_cut().await;
    let contact = contact(&app, &account, 1).await;
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(report.count(Outcome::Retried), 1, "{report}");
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, email: \"ada.moved@acme.test\"}) { contact { version } } }",
        json!({"id": contact}),
    )
    .await
    .ok();

    let report = app.sync_step(t0 + hours(1)).await;
    assert_eq!(report.count(Outcome::Synced), 1, "{report}");
    let members = mock.members();
    assert_eq!(
        members
            .values()
            .map(|m| m.email_address.as_str())
            .collect::<Vec<_>>(),
        ["ada.moved@acme.test"],
        "one member, under the new address"
    );
    assert_eq!(mock.created(), 1);
    let status = sync_status(&app, &contact).await;
    assert_eq!(
        status["externalId"],
        json!(mailchimp::hash_of("ada.moved@acme.test"))
    );
    assert!(app.sync_step(t0 + hours(2)).await.is_idle());
}
