//! Crash safety with real processes: `rapport worker` (built here as `rapport-harness`) drains
//! the sync jobs of 1,000 contacts to a mock Mailchimp and a mock Ringover while the test
//! SIGKILLs it at random points, many times, and restarts it. Then one worker drains the rest.
//!
//! It shows that nothing is lost (every job completed, every contact SYNCED at both providers),
//! nothing is duplicated (one member per address at Mailchimp, one contact per number at
//! Ringover, each created exactly once, and our sync state points at it), and every lease a
//! killed worker held was reclaimed once it expired. It also shows the kills were not
//! vacuous: each one landed with jobs left, and leases held by the killed workers were seen.
//!
//! SQLite (a file in a temp dir) by default, one or two workers at once; PostgreSQL (a fresh
//! database) with two workers at once when `TEST_DATABASE_URL` names a server.

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
    id: ContactId,
    email: String,
    number: u64,
    first_name: String,
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
        tokio::time::sleep(ran).await;
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
    assert_eq!(
        by_api,
        BTreeMap::from([
            (("mailchimp".to_owned(), "SYNCED".to_owned()), CONTACTS),
            (("ringover".to_owned(), "SYNCED".to_owned()), CONTACTS),
        ]),
        "syncStatus through GraphQL"
    );

    // Nothing duplicated: one member per address, one contact per number, each created once,
    // and our sync state points at it.
    let members = mc.members();
    let remote = ro.contacts();
    assert_eq!(members.len(), CONTACTS);
    assert_eq!(mc.created(), CONTACTS, "no member created twice");
    assert_eq!(remote.len(), CONTACTS, "one Ringover contact per contact");
    assert_eq!(ro.created(), CONTACTS, "no Ringover contact created twice");
    assert_eq!(ro.duplicated_numbers(), Vec::<u64>::new());
    let by_number: BTreeMap<u64, &ringover::RingoverContact> = remote
        .values()
        .flat_map(|c| c.numbers.iter().map(move |(n, _)| (*n, c)))
        .collect();
    for contact in &seeded {
        let hash = hash_of(&contact.email);
        let member = members.get(&hash).expect("a member for every address");
        assert_eq!(member.email_address, contact.email);
        let at_ringover = by_number.get(&contact.number).expect("a Ringover contact");
        assert_eq!(at_ringover.firstname, contact.first_name);
        let state_of = |provider: &str| {
            states
                .iter()
                .find(|s| s.provider == provider && s.contact_id == contact.id.get())
                .and_then(|s| s.external_id.clone())
        };
        assert_eq!(state_of("mailchimp"), Some(hash));
        assert_eq!(state_of("ringover"), Some(at_ringover.id.to_string()));
    }

    // Not vacuous: every kill landed mid-drain, killed workers held leases, and calls were
    // repeated because of them.
    let orphaned: BTreeSet<i64> = rounds.iter().flat_map(|r| r.orphaned.clone()).collect();
    let mid_drain = rounds.iter().filter(|r| r.left > 0).count();
    let mc_stats = mc.stats();
    let ro_stats = ro.stats();
    let repeated_puts = mc_stats
        .on(mailchimp::routes::PUT_MEMBER)
        .saturating_sub(CONTACTS);
    let repeated_searches = ro_stats
        .on(ringover::routes::SEARCH)
        .saturating_sub(CONTACTS);
    println!(
        "crash test on {backend}: {CONTACTS} contacts, {} jobs, seeded in {seeding:.1?}; \
         {} kills ({} with two workers) over {kill_phase:.1?}, each mid-drain: {mid_drain}; \
         leases held by killed workers: {} ({} distinct jobs), all reclaimed; \
         repeated calls: {repeated_puts} Mailchimp writes, {repeated_searches} Ringover searches; \
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
    assert!(
        repeated_puts + repeated_searches > 0,
        "killed calls were made again"
    );
}
