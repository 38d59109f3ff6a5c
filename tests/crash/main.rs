//! Crash safety with real processes: `rapport worker` (built here as `rapport-harness`) drains
//! the sync jobs of 1,000 contacts to a mock Mailchimp and a mock Ringover while the test
//! SIGKILLs it at random points, many times, and restarts it. Then one worker drains the rest.
//!
//! While the workers are being killed, the test also changes contacts through GraphQL: it
//! erases 40, gives 40 a new address and renames 40, a few in each of eight rounds.
//!
//! It shows that nothing is lost (every job completed, every contact SYNCED at both providers,
//! each with its latest state), nothing is duplicated (one member per address at Mailchimp and
//! none left under a changed address, one contact per number at Ringover, and our sync state
//! points at each), erased contacts are gone from Mailchimp, and every lease a killed worker held
//! was reclaimed once it expired. It also shows the kills were not vacuous: each one landed with
//! jobs left, and leases held by the killed workers were seen.
//!
//! Ringover has two documented limits that kills can hit (rapport-ringover README, "Decisions
//! and known limits"), and the test counts and prints them instead of failing on them: a create
//! that reached Ringover but whose worker was killed before recording the id leaves that copy
//! behind when the contact is then erased (no id and no number left to find it by), or, when the
//! contact is renamed before the retry, beside the one the retry creates (the search matches
//! number *and* name). Any other extra or duplicate contact fails the test.
//!
//! SQLite (a file in a temp dir) by default, one or two workers at once; PostgreSQL (a fresh
//! database) with two workers at once when `TEST_DATABASE_URL` names a server.

mod imports;
mod relay;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use rapport_api::global_id::{Kind, decode};
use rapport_api::store::{SyncJobRow, create_postgres_database};
use rapport_domain::ids::ContactId;
use rapport_integrations::Registry;
use rapport_tests::mock::mailchimp::{self, hash_of};
use rapport_tests::mock::ringover;
use rapport_tests::mock::{MailchimpMock, MockOptions, RingoverMock};
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::{Value, json};

const CONTACTS: usize = 1_000;
/// Contacts erased during the kills (as many get a new address, as many a new name).
const ERASED: usize = 40;
const KILLS: usize = 16;
/// Short, so a killed worker's jobs come back quickly; above the call timeout, as required.
const LEASE_SECS: u64 = 3;
const CALL_TIMEOUT_SECS: u64 = 2;
const FINAL_DRAIN_LIMIT: Duration = Duration::from_secs(120);
/// Requests per second each worker process may send to Ringover. Each contact takes two (a
/// search, a create), so the kills cannot outrun the drain on any machine: 16 runs of two
/// workers of under a second each send at most 16 × 2 × (1 + 50) = 1,632 of the 2,000
/// requests, and every kill lands with jobs left.
const RINGOVER_RATE: f64 = 50.0;
/// The longest a round lets its workers run before the kill.
const MAX_RUN_MS: u64 = 1_000;

/// A contact as seeded.
struct Seeded {
    n: usize,
    id: ContactId,
    email: String,
    number: u64,
    first_name: String,
}

/// What the test does to a contact while the workers are being killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Keep,
    Erase,
    NewEmail,
    Rename,
}

/// Contact `n`'s change: 40 of each kind among the 1,000.
fn change_of(n: usize) -> Change {
    match n % 25 {
        0 => Change::Erase,
        1 => Change::NewEmail,
        2 => Change::Rename,
        _ => Change::Keep,
    }
}

/// The kill round (2 to 9) in which contact `n` is changed.
fn round_of(n: usize) -> usize {
    2 + (n / 25) % 8
}

fn new_email(n: usize) -> String {
    format!("moved{n}@crash.test")
}

fn new_name(n: usize) -> String {
    format!("Renamed{n}")
}

/// Applies this round's changes through GraphQL, one after the other.
async fn change(app: &TestApp, seeded: &[Seeded], round: usize) -> usize {
    let mut applied = 0;
    for contact in seeded.iter().filter(|c| round_of(c.n) == round) {
        let id = rapport_api::global_id::encode(Kind::Contact, contact.id.get());
        let (query, variables) = match change_of(contact.n) {
            Change::Keep => continue,
            Change::Erase => (
                "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
                json!({"id": id}),
            ),
            Change::NewEmail => (
                "mutation($id: ID!, $email: String!) { updateContact(input: {contactId: $id, expectedVersion: 1, email: $email}) { contact { version } } }",
                json!({"id": id, "email": new_email(contact.n)}),
            ),
            Change::Rename => (
                "mutation($id: ID!, $name: String!) { updateContact(input: {contactId: $id, expectedVersion: 1, firstName: $name}) { contact { version } } }",
                json!({"id": id, "name": new_name(contact.n)}),
            ),
        };
        app.gql(query, variables).await.ok();
        applied += 1;
    }
    applied
}

/// One start-and-kill of the workers.
struct Round {
    workers: usize,
    ran: Duration,
    /// Jobs left right after the kill.
    left: usize,
    /// Jobs still leased by the killed workers right after the kill.
    orphaned: Vec<i64>,
}

/// A draw in `[low, high)` milliseconds.
fn random_ms(low: u64, high: u64) -> Duration {
    let draw =
        u64::try_from(uuid::Uuid::new_v4().as_u128() % u128::from(high - low)).expect("below high");
    Duration::from_millis(low + draw)
}

/// SQLite in `dir`, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set.
async fn database(dir: &Path) -> (String, &'static str) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => {
            let name = format!("rapport_test_crash_{}", uuid::Uuid::new_v4().simple());
            let url = create_postgres_database(&server, &name)
                .await
                .expect("TEST_DATABASE_URL is set but a database could not be created there");
            (url, "postgres")
        }
        _ => {
            let file = dir.join("rapport.db");
            (format!("sqlite://{}?mode=rwc", file.display()), "sqlite")
        }
    }
}

/// A running worker process, SIGKILLed when dropped: a failing test leaves none behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts real worker processes against the database and the mocks.
struct Harness {
    dir: PathBuf,
    log: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Harness {
    fn new(dir: &Path, database_url: &str, mc: &MailchimpMock, ro: &RingoverMock) -> Self {
        let env = vec![
            ("DATABASE_URL", database_url.to_owned()),
            ("RAPPORT_DATA_DIR", dir.join("data").display().to_string()),
            ("RAPPORT_LOG__FILTER", "warn".to_owned()),
            ("RAPPORT_SYNC__BATCH_SIZE", "16".to_owned()),
            ("RAPPORT_SYNC__LEASE_SECS", LEASE_SECS.to_string()),
            (
                "RAPPORT_SYNC__CALL_TIMEOUT_SECS",
                CALL_TIMEOUT_SECS.to_string(),
            ),
            ("RAPPORT_SYNC__POLL_MS", "100".to_owned()),
            ("RAPPORT_MAILCHIMP__API_KEY", mailchimp::API_KEY.to_owned()),
            ("RAPPORT_MAILCHIMP__LIST_ID", mailchimp::LIST_ID.to_owned()),
            ("RAPPORT_MAILCHIMP__BASE_URL", mc.url()),
            (
                "RAPPORT_MAILCHIMP__TIMEOUT_SECS",
                CALL_TIMEOUT_SECS.to_string(),
            ),
            ("RAPPORT_RINGOVER__API_KEY", ringover::API_KEY.to_owned()),
            (
                "RAPPORT_RINGOVER__WEBHOOK_SECRET",
                ringover::WEBHOOK_SECRET.to_owned(),
            ),
            ("RAPPORT_RINGOVER__BASE_URL", ro.url()),
            ("RAPPORT_RINGOVER__TIMEOUT_MS", "1500".to_owned()),
            (
                "RAPPORT_RINGOVER__REQUESTS_PER_SECOND",
                format!("{RINGOVER_RATE:.1}"),
            ),
        ];
        Self {
            dir: dir.to_path_buf(),
            log: dir.join("workers.log"),
            env,
        }
    }

    /// A worker sending Ringover at most `ringover_rate` requests per second.
    fn spawn(&self, ringover_rate: f64) -> Running {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the workers' log");
        Command::new(env!("CARGO_BIN_EXE_rapport-harness"))
            .arg("worker")
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .env(
                "RAPPORT_RINGOVER__REQUESTS_PER_SECOND",
                format!("{ringover_rate:.1}"),
            )
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .map(Running)
            .expect("the worker starts")
    }

    /// SIGKILLs the worker (it must still be running) and reaps it; answers its id in leases.
    fn kill(&self, worker: &mut Running) -> String {
        let child = &mut worker.0;
        if let Some(status) = child.try_wait().expect("the worker's status") {
            panic!(
                "a worker stopped by itself ({status}):\n{}",
                self.log_tail()
            );
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the killed worker is reaped");
        format!("worker-{}", child.id())
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

fn providers(mc: &MailchimpMock, ro: &RingoverMock) -> Registry {
    let mut registry = Registry::new();
    let mailchimp = mc.provider();
    let limits = mailchimp.limits();
    registry
        .register(Arc::new(mailchimp), limits)
        .expect("registered");
    registry
        .register(Arc::new(ro.provider()), ro.config().limits())
        .expect("registered");
    registry
}

/// Creates the contacts through GraphQL (each change enqueues one job per provider).
async fn seed(app: &TestApp) -> Vec<Seeded> {
    let account = app
        .account_as(&app.admin_token.clone(), "Crash Test Dummies", json!({}))
        .await;
    let created = futures_util::stream::iter(1..=CONTACTS)
        .map(|n| {
            let account = account.clone();
            async move {
                let first_name = format!("Dummy{n}");
                let email = format!("dummy{n}@crash.test");
                let number = 33_620_000_000 + u64::try_from(n).expect("small");
                let input = json!({
                    "accountId": account,
                    "firstName": first_name,
                    "lastName": "Crash",
                    "email": email,
                    "emailConsent": "SUBSCRIBED",
                    "phones": [{"number": format!("+{number}"), "type": "MOBILE"}],
                });
                let id =
                    decode(Kind::Contact, &app.contact_with(input).await).expect("a contact id");
                Seeded {
                    n,
                    id: ContactId::new(id),
                    email,
                    number,
                    first_name,
                }
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(created.len(), CONTACTS);
    created
}

async fn jobs(app: &TestApp, ids: &[ContactId]) -> Vec<SyncJobRow> {
    app.store.sync_rows_for(ids).await.expect("sync rows").0
}

/// Every contact's `syncStatus`, through GraphQL, as (provider, state) → count.
async fn states_through_the_api(app: &TestApp) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .gql(
                "query($after: String) { contacts(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { syncStatus { provider state } } } }",
                json!({"after": after}),
            )
            .await
            .ok();
        for node in page.data("/contacts/nodes").as_array().expect("nodes") {
            for status in node["syncStatus"].as_array().expect("statuses") {
                let key = (
                    status["provider"].as_str().unwrap_or_default().to_owned(),
                    status["state"].as_str().unwrap_or_default().to_owned(),
                );
                *counts.entry(key).or_default() += 1;
            }
        }
        if page.data("/contacts/pageInfo/hasNextPage") != true {
            return counts;
        }
        after = page.data("/contacts/pageInfo/endCursor").clone();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_killed_mid_drain_lose_no_job_and_duplicate_no_contact() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, backend) = database(dir.path()).await;
    // Latency so that kills land mid-call.
    let latency = MockOptions {
        latency: Duration::from_millis(5),
        latency_jitter: Duration::from_millis(25),
        ..MockOptions::default()
    };
    let mc = MailchimpMock::start_with(latency).await;
    let ro = RingoverMock::start_with(MockOptions { seed: 7, ..latency }).await;
    let url = database_url.clone();
    let app =
        spawn_app_with_providers(move |s| s.database_url = Some(url), providers(&mc, &ro)).await;
    let seeded = seed(&app).await;
    let ids: Vec<ContactId> = seeded.iter().map(|s| s.id).collect();
    assert_eq!(
        jobs(&app, &ids).await.len(),
        2 * CONTACTS,
        "one job per provider"
    );
    let seeding = started.elapsed();

    let harness = Harness::new(dir.path(), &database_url, &mc, &ro);
    let draining = Instant::now();
    let mut rounds: Vec<Round> = Vec::new();
    let mut changed = 0;
    for round in 0..KILLS {
        // PostgreSQL: two workers at once every time; SQLite: one, then two, alternately.
        let workers = if backend == "postgres" || round % 2 == 1 {
            2
        } else {
            1
        };
        let mut children: Vec<Running> =
            (0..workers).map(|_| harness.spawn(RINGOVER_RATE)).collect();
        let ran = random_ms(200, MAX_RUN_MS);
        let (applied, ()) = tokio::join!(change(&app, &seeded, round), tokio::time::sleep(ran));
        changed += applied;
        let dead: BTreeSet<String> = children.iter_mut().map(|w| harness.kill(w)).collect();
        let left = jobs(&app, &ids).await;
        let orphaned = left
            .iter()
            .filter(|j| j.state == "LEASED")
            .filter(|j| j.lease_worker.as_ref().is_some_and(|w| dead.contains(w)))
            .map(|j| j.id)
            .collect();
        rounds.push(Round {
            workers,
            ran,
            left: left.len(),
            orphaned,
        });
    }
    let kill_phase = draining.elapsed();

    // The last worker may go as fast as the configuration allows.
    let mut last = harness.spawn(100.0);
    let final_drain = Instant::now();
    loop {
        let left = jobs(&app, &ids).await;
        if left.is_empty() {
            break;
        }
        assert!(
            final_drain.elapsed() < FINAL_DRAIN_LIMIT,
            "{} jobs still left, e.g. {:?}\n{}",
            left.len(),
            &left[..left.len().min(3)],
            harness.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    harness.kill(&mut last);
    let drain = draining.elapsed();

    // Nothing lost: no job left (so no lease held), every contact synced to both providers.
    let (left, states) = app.store.sync_rows_for(&ids).await.expect("sync rows");
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        states.len(),
        2 * CONTACTS,
        "a sync state per contact and provider"
    );
    let by_api = states_through_the_api(&app).await;
    let listed = by_api
        .get(&("mailchimp".to_owned(), "SYNCED".to_owned()))
        .copied()
        .unwrap_or_default();
    assert!(listed >= CONTACTS - ERASED, "{by_api:?}");
    assert_eq!(
        by_api,
        BTreeMap::from([
            (("mailchimp".to_owned(), "SYNCED".to_owned()), listed),
            (("ringover".to_owned(), "SYNCED".to_owned()), listed),
        ]),
        "syncStatus through GraphQL: every listed contact SYNCED at both"
    );
    assert_eq!(changed, 3 * ERASED, "every planned change was applied");

    // Nothing duplicated, nothing stale: one member per live address and none under an address
    // given up, one Ringover contact per live number, each holding the latest name, and our
    // sync state points at it. Erased contacts are gone from Mailchimp.
    let members = mc.members();
    let remote = ro.contacts();
    assert!(mc.created() <= CONTACTS, "no member created twice");
    let mut lingering_at_ringover = 0;
    let mut stale_after_rename = 0;
    for contact in &seeded {
        let state_of = |provider: &str| {
            states
                .iter()
                .find(|s| s.provider == provider && s.contact_id == contact.id.get())
                .expect("a state per provider")
        };
        let change = change_of(contact.n);
        if change == Change::Erase {
            assert!(
                !members.contains_key(&hash_of(&contact.email)),
                "erased contact {} is still a member",
                contact.n
            );
            assert!(state_of("mailchimp").erased && state_of("ringover").erased);
            lingering_at_ringover += ro.contacts_with_number(contact.number).len();
            continue;
        }
        let (email, first_name) = match change {
            Change::NewEmail => (new_email(contact.n), contact.first_name.clone()),
            Change::Rename => (contact.email.clone(), new_name(contact.n)),
            _ => (contact.email.clone(), contact.first_name.clone()),
        };
        let hash = hash_of(&email);
        let member = members.get(&hash).expect("a member for every live address");
        assert_eq!(member.email_address, email);
        assert_eq!(member.merge_fields.get("FNAME"), Some(&json!(first_name)));
        if change == Change::NewEmail {
            assert!(
                !members.contains_key(&hash_of(&contact.email)),
                "contact {} is still a member under its old address",
                contact.n
            );
        }
        assert_eq!(state_of("mailchimp").external_id, Some(hash));
        // Our Ringover contact holds the number and the latest name. Any other holder is the
        // documented price of matching on the name: a create whose id was lost, under the old
        // name, before a rename (rapport-ringover README, "The name is part of the match").
        let holders = ro.contacts_with_number(contact.number);
        let ours_id = state_of("ringover").external_id.clone();
        let ours = holders
            .iter()
            .find(|c| Some(c.id.to_string()) == ours_id)
            .unwrap_or_else(|| panic!("contact {}: ours not among {holders:?}", contact.n));
        assert_eq!(ours.firstname, first_name);
        for other in holders.iter().filter(|c| c.id != ours.id) {
            assert!(
                change == Change::Rename && other.firstname == contact.first_name,
                "contact {}: a second Ringover contact {other:?} besides {ours:?}",
                contact.n
            );
            stale_after_rename += 1;
        }
    }
    let extra: Vec<&str> = members
        .values()
        .map(|m| m.email_address.as_str())
        .filter(|email| {
            !seeded.iter().any(|c| {
                change_of(c.n) != Change::Erase
                    && (if change_of(c.n) == Change::NewEmail {
                        new_email(c.n) == *email
                    } else {
                        c.email == *email
                    })
            })
        })
        .collect();
    assert_eq!(extra, Vec::<&str>::new(), "members of no live address");
    assert_eq!(
        members.len(),
        CONTACTS - ERASED,
        "one member per live contact"
    );
    assert!(
        ro.created() <= CONTACTS + stale_after_rename,
        "no Ringover contact created twice, but for the counted renames"
    );
    assert_eq!(
        remote.len(),
        CONTACTS - ERASED + lingering_at_ringover + stale_after_rename,
        "nothing at Ringover but the live contacts and the counted leftovers"
    );

    // Not vacuous: every kill landed mid-drain, killed workers held leases, and calls were
    // repeated because of them.
    let orphaned: BTreeSet<i64> = rounds.iter().flat_map(|r| r.orphaned.clone()).collect();
    let mid_drain = rounds.iter().filter(|r| r.left > 0).count();
    let ro_stats = ro.stats();
    // Contacts left unchanged get one write each when nothing is repeated.
    let unchanged: BTreeSet<String> = seeded
        .iter()
        .filter(|c| change_of(c.n) == Change::Keep)
        .map(|c| hash_of(&c.email))
        .collect();
    let repeated_puts = mc
        .log()
        .iter()
        .filter(|l| l.route == mailchimp::routes::PUT_MEMBER)
        .filter(|l| {
            l.call
                .rsplit('/')
                .next()
                .is_some_and(|h| unchanged.contains(h))
        })
        .count()
        .saturating_sub(unchanged.len());
    let repeated_searches = ro_stats
        .on(ringover::routes::SEARCH)
        .saturating_sub(CONTACTS);
    println!(
        "crash test on {backend}: {CONTACTS} contacts, {} jobs, seeded in {seeding:.1?}; \
         {} kills ({} with two workers) over {kill_phase:.1?}, each mid-drain: {mid_drain}; \
         leases held by killed workers: {} ({} distinct jobs), all reclaimed; \
         changes during the kills: {changed} ({ERASED} erasures, {ERASED} new addresses, {ERASED} renames); \
         left at Ringover by a create never confirmed: {lingering_at_ringover} of erased contacts, \
         {stale_after_rename} under a name changed before the retry; \
         repeated calls: {repeated_puts} Mailchimp writes of unchanged contacts, {repeated_searches} Ringover searches beyond one per contact; \
         drained in {drain:.1?} (last worker alone {:.1?}); total {:.1?}",
        2 * CONTACTS,
        rounds.len(),
        rounds.iter().filter(|r| r.workers == 2).count(),
        rounds.iter().map(|r| r.orphaned.len()).sum::<usize>(),
        orphaned.len(),
        final_drain.elapsed(),
        started.elapsed(),
    );
    for (n, round) in rounds.iter().enumerate() {
        println!(
            "  kill {:>2}: {} worker(s) after {:>4} ms, {:>4} jobs left, {:>3} leases orphaned",
            n + 1,
            round.workers,
            round.ran.as_millis(),
            round.left,
            round.orphaned.len()
        );
    }
    assert_eq!(mid_drain, KILLS, "every kill landed while jobs were left");
    assert!(!orphaned.is_empty(), "some kills left leases to reclaim");
    assert!(repeated_puts > 0, "killed calls were made again");
}
