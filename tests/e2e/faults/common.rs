//! The providers pointed at their mocks, the contacts the tests sync, and the flows every fault goes through: retried then delivered, parked, paused.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_api::global_id::{Kind, decode};
use rapport_domain::ids::ContactId;
use rapport_integrations::{Outcome, PausedProvider, Registry};
use rapport_mailchimp::{MailchimpConfig, MailchimpProvider};
use rapport_ringover::{RingoverConfig, RingoverProvider};
use rapport_tests::mock::mailchimp::{self};
use rapport_tests::mock::ringover;
use rapport_tests::mock::{Fault, FaultScript, MailchimpMock, RingoverMock};
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::{Value, json};

pub(super) fn email(n: usize) -> String {
    format!("ada{n}@acme.test")
}

/// Contact `n`'s mobile number, E.164 digits (as Ringover keeps it).
pub(super) fn digits(n: usize) -> u64 {
    33_610_000_000 + u64::try_from(n).expect("small")
}

pub(super) fn hours(n: usize) -> chrono::Duration {
    chrono::Duration::hours(i64::try_from(n).expect("small"))
}

pub(super) fn mailchimp_registry(config: MailchimpConfig) -> Registry {
    let provider = MailchimpProvider::new(config).expect("a valid configuration");
    let limits = provider.limits();
    let mut registry = Registry::new();
    registry
        .register(Arc::new(provider), limits)
        .expect("registered");
    registry
}

pub(super) fn ringover_registry(config: &RingoverConfig) -> Registry {
    let provider = RingoverProvider::new(config).expect("a valid configuration");
    let mut registry = Registry::new();
    registry
        .register(Arc::new(provider), config.limits())
        .expect("registered");
    registry
}

/// A provider mock the flows below drive, with the provider registered against it.
pub(super) trait Mocked {
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

pub(super) async fn account(app: &TestApp) -> String {
    app.account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await
}

/// Creates contact `n` on `account`: an address with consent (so Mailchimp creates a member)
/// and a mobile number (so Ringover gets a contact).
pub(super) async fn contact(app: &TestApp, account: &str, n: usize) -> String {
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
pub(super) async fn sync_status(app: &TestApp, contact: &str) -> Value {
    let mut all = app.sync_status(contact).await;
    assert_eq!(all.len(), 1, "one provider: {all:?}");
    all.remove(0)
}

/// When the contact's pending job is due, read from the store.
pub(super) async fn due_at(app: &TestApp, contact: &str) -> DateTime<Utc> {
    let id = ContactId::new(decode(Kind::Contact, contact).expect("a contact id"));
    let (jobs, _) = app.store.sync_rows_for(&[id]).await.expect("sync rows");
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    jobs[0].due_at
}

pub(super) fn assert_reason(status: &Value, reason: &str) {
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
pub(super) async fn retried_then_delivered<M: Mocked>(
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
pub(super) async fn retry_after_is_the_next_due_time<M: Mocked>(mock: &M, fault: Fault) {
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
pub(super) async fn parked(mock: &MailchimpMock, reason: &str) {
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
pub(super) async fn paused<M: Mocked>(mock: &M, registry: Registry, reason: &str) {
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

pub(super) const PUT: &str = mailchimp::routes::PUT_MEMBER;
pub(super) const SEARCH: &str = ringover::routes::SEARCH;
