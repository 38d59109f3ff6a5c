//! Contact-sync throughput against a local Mailchimp-like mock (issue 4, point 9).
//!
//! Run: `cargo bench -p rapport-tests --bench sync_throughput` (release build). Sizes can be
//! changed with `BENCH_BACKFILL_CONTACTS` (default 100,000) and `BENCH_DRAIN_CONTACTS` (default
//! 10,000); the mock's latency per call with `BENCH_BACKFILL_LATENCY_MS` (default 1,000: a
//! batch of 500 members is a slow call) and `BENCH_DRAIN_LATENCY_MS` (default 50), its share of
//! injected 5xx with `BENCH_ERROR_SHARE` (default 0.01).
//!
//! Both scenarios run in one process, one after the other, on fresh SQLite databases, through
//! the real code paths: the API's store-backed queue and backfill, `rapport_mailchimp`'s HTTP
//! client, and a mock that answers every call the latency after it arrived (its own work
//! included), refuses (429) any call past 10 in flight, and answers a seeded share of calls with
//! 500/502/503.
//!
//! - **backfill**: `resyncAll` of every contact: pages of 5,000 contacts, 500 members per batch
//!   subscribe call, 10 calls in flight. Ceiling = 10 connections × 500 members ÷ latency.
//! - **drain**: the per-contact job queue after contact changes: one member PUT and one tags
//!   POST per contact. Ceiling = 10 connections × 1 contact ÷ (2 calls × latency).
//!
//! - **pace**: Mailchimp's per-contact queue (`BENCH_PACE_CONTACTS`, default 1,000, latency
//!   `BENCH_PACE_LATENCY_MS`, default 50) drained by the worker's per-provider loops, alone and
//!   then beside a Ringover mock paced at 2 requests per second with as many jobs queued; then
//!   once more with one step shared by both providers (how the worker ran before), capped at
//!   `BENCH_PACE_CAP_SECS` (default 60). Batches of 50 jobs, as the default settings. Alone and
//!   beside alternate for `BENCH_PACE_ROUNDS` rounds (default 5); the ratio's median and worst
//!   round are printed.
//!
//! `BENCH_SCENARIOS` picks scenarios (default `drain,backfill,pace`).
//!
//! The backfill runs twice, with and without injected errors. Each reports contacts per minute and its share of the ceiling, repeated sends (retries),
//! 429s caused, injected 5xx seen, and the process's peak resident memory so far (`VmHWM`; it
//! includes the mock, which runs in the same process).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use chrono::Utc;
use rapport_api::config::Settings;
use rapport_api::startup::Application;
use rapport_ringover::RingoverConfig;
use rapport_tests::mock::{MailchimpMock, MockOptions, RingoverMock};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

struct Bench {
    app: Application,
    mock: MailchimpMock,
    _dir: tempfile::TempDir,
}

async fn start(options: MockOptions, contacts: usize, queue_jobs: bool) -> Bench {
    start_with(options, contacts, queue_jobs, None, 200).await
}

async fn start_with(
    options: MockOptions,
    contacts: usize,
    queue_jobs: bool,
    ringover: Option<RingoverConfig>,
    batch_size: usize,
) -> Bench {
    let mock = MailchimpMock::start_with(options).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.http.port = 0;
    settings.http.workers = 1;
    settings.scheduler.interval_secs = 0;
    settings.sync.run_in_server = false;
    settings.sync.batch_size = batch_size;
    let mut config = mock.config();
    config.timeout_secs = 30;
    settings.mailchimp = Some(config);
    let paced = ringover.is_some();
    settings.ringover = ringover;
    let registry = rapport_api::providers::registry(&settings).expect("registry");
    let app = Application::build_with(settings, registry)
        .await
        .expect("app");
    let mut providers = vec![];
    if queue_jobs {
        providers.push("mailchimp".to_owned());
        if paced {
            providers.push("ringover".to_owned());
        }
    }
    let seeded = Instant::now();
    rapport_api::service::seed_demo_data(app.store(), &providers, 50, contacts, Utc::now(), |_| {})
        .await
        .expect("seeded");
    eprintln!(
        "  seeded {contacts} contacts in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    Bench {
        app,
        mock,
        _dir: dir,
    }
}

fn report(
    name: &str,
    contacts: usize,
    elapsed: Duration,
    ceiling_per_min: f64,
    retries: usize,
    mock: &MailchimpMock,
) {
    let stats = mock.stats();
    let per_min = contacts as f64 / elapsed.as_secs_f64() * 60.0;
    println!("{name}:");
    println!("  contacts            {contacts}");
    println!("  wall time           {:.1} s", elapsed.as_secs_f64());
    println!("  contacts per minute {per_min:.0}");
    println!("  ceiling per minute  {ceiling_per_min:.0}");
    println!(
        "  share of ceiling    {:.1} %",
        per_min / ceiling_per_min * 100.0
    );
    println!("  calls               {}", stats.requests);
    println!("  5xx injected        {}", stats.injected_server_errors);
    println!("  retries (re-sends)  {retries}");
    println!("  429s caused         {}", stats.refused_over_cap);
    println!("  most in flight      {}", stats.max_in_flight);
    if let Some(peak) = peak_rss_mib() {
        println!("  peak RSS so far     {peak:.0} MiB (process, mock included)");
    }
}

async fn backfill(options: MockOptions, contacts: usize, latency: Duration) {
    let bench = start(options, contacts, false).await;
    let store = bench.app.store();
    let tx = store.begin().await.expect("tx");
    tx.start_resync("mailchimp", "bench", Utc::now())
        .await
        .expect("started");
    tx.commit().await.expect("committed");
    let sync = bench.app.sync();
    let started = Instant::now();
    let mut retries = 0;
    let mut queued = 0;
    loop {
        let step = sync.resync_step(Utc::now()).await;
        assert!(step.errors.is_empty(), "{step:?}");
        retries += step.bulk_retries;
        queued += step.queued;
        if step.finished > 0 {
            break;
        }
    }
    let elapsed = started.elapsed();
    let members = bench.mock.members().len();
    assert_eq!(
        members + queued,
        contacts,
        "every contact is a member or queued"
    );
    let ceiling = 10.0 * 500.0 / latency.as_secs_f64() * 60.0;
    let name = format!(
        "backfill (resyncAll, batch subscribe), {:.1} % injected 5xx",
        options.server_error_share * 100.0
    );
    report(&name, contacts, elapsed, ceiling, retries, &bench.mock);
    println!("  members at the mock {members}; queued one by one {queued}");
}

async fn drain(options: MockOptions, contacts: usize, latency: Duration) {
    let bench = start(options, contacts, true).await;
    let worker = bench.app.sync().worker("bench");
    let started = Instant::now();
    let mut retried = 0;
    loop {
        let report = worker.run_once(Utc::now()).await;
        retried += report.count(rapport_integrations::Outcome::Retried);
        if report.is_idle() {
            let left = bench
                .app
                .store()
                .sync_failures_count(None)
                .await
                .expect("count");
            assert_eq!(left, 0, "no job was parked");
            if bench.mock.members().len() == contacts {
                break;
            }
            // Jobs waiting for their retry time.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let elapsed = started.elapsed();
    let ceiling = 10.0 / (2.0 * latency.as_secs_f64()) * 60.0;
    report(
        "drain (per-contact jobs: PUT member + POST tags)",
        contacts,
        elapsed,
        ceiling,
        retried,
        &bench.mock,
    );
}

/// How Mailchimp's queue drains in one leg of the pace scenario.
enum Loop {
    /// The worker's per-provider loops (`SyncHandle::run`), as `rapport serve`/`worker` run them.
    PerProvider,
    /// One step over every provider at a time (`Worker::run_once` in a loop): how the worker
    /// ran before each provider had its own loop.
    SharedStep,
}

/// Seconds until every contact reached the Mailchimp mock, or `None` past `cap`.
async fn mailchimp_drain(
    contacts: usize,
    latency: Duration,
    ringover: Option<&RingoverMock>,
    how: Loop,
    cap: Duration,
) -> (Option<Duration>, usize) {
    let options = MockOptions {
        latency,
        max_connections: Some(10),
        ..MockOptions::default()
    };
    // Ringover as an operator configures it: 2 requests per second.
    let paced = ringover.map(|r| r.config().with_requests_per_second(2.0));
    let bench = start_with(options, contacts, true, paced, 50).await;
    let sync = bench.app.sync().clone();
    let started = Instant::now();
    let runner = match how {
        Loop::PerProvider => tokio::spawn(async move {
            let stop = Arc::new(AtomicBool::new(false));
            sync.run("bench", Duration::from_millis(20), stop).await;
        }),
        Loop::SharedStep => tokio::spawn(async move {
            let worker = sync.worker("bench");
            loop {
                if worker.run_once(Utc::now()).await.is_idle() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }),
    };
    let drained = loop {
        if bench.mock.members().len() == contacts {
            break Some(started.elapsed());
        }
        if started.elapsed() > cap {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let delivered = bench.mock.members().len();
    // Ringover's batch in flight would take up to 25 s more: the measurement is over.
    runner.abort();
    (drained, delivered)
}

async fn pace(contacts: usize, latency: Duration, cap: Duration, rounds: usize) {
    // Alone and beside alternate, so a change in the machine's load touches both legs alike;
    // each leg starts on a fresh database and fresh mocks.
    let mut alone = Vec::new();
    let mut beside = Vec::new();
    let mut ratios = Vec::new();
    let mut ringover_created = 0;
    for round in 1..=rounds {
        let (a, _) = mailchimp_drain(contacts, latency, None, Loop::PerProvider, cap).await;
        let ringover = RingoverMock::start().await;
        let (b, _) =
            mailchimp_drain(contacts, latency, Some(&ringover), Loop::PerProvider, cap).await;
        ringover_created += ringover.created();
        let ratio = a.zip(b).map(|(a, b)| b.as_secs_f64() / a.as_secs_f64());
        println!(
            "  round {round}: alone {}, beside {}, ratio {}",
            secs(a, cap),
            secs(b, cap),
            ratio.map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"))
        );
        alone.extend(a);
        beside.extend(b);
        ratios.extend(ratio);
    }
    let ringover_old = RingoverMock::start().await;
    let (shared, shared_delivered) = mailchimp_drain(
        contacts,
        latency,
        Some(&ringover_old),
        Loop::SharedStep,
        cap,
    )
    .await;
    println!("pace (Mailchimp's queue with and without a paced Ringover, batches of 50):");
    println!("  contacts per provider          {contacts}, {rounds} interleaved rounds");
    println!(
        "  Mailchimp alone (median)       {}",
        secs(median_duration(&mut alone), cap)
    );
    println!(
        "  Mailchimp beside Ringover      {}  (median; Ringover at 2 requests/s)",
        secs(median_duration(&mut beside), cap)
    );
    ratios.sort_by(f64::total_cmp);
    if let (Some(median), Some(worst)) = (ratios.get(ratios.len() / 2), ratios.last()) {
        println!("  ratio beside / alone           median {median:.3}, worst {worst:.3}");
    }
    if ratios.len() < rounds {
        println!(
            "  {} of {rounds} rounds did not drain within the cap",
            rounds - ratios.len()
        );
    }
    println!(
        "  one shared step (before)       {}; {shared_delivered} of {contacts} delivered by then",
        secs(shared, cap)
    );
    println!(
        "  Ringover contacts created      {ringover_created} (per-provider legs), {} (shared-step leg)",
        ringover_old.created()
    );
}

fn secs(d: Option<Duration>, cap: Duration) -> String {
    d.map_or_else(
        || format!("not drained within {} s", cap.as_secs()),
        |d| format!("{:.2} s", d.as_secs_f64()),
    )
}

fn median_duration(values: &mut [Duration]) -> Option<Duration> {
    values.sort();
    values.get(values.len() / 2).copied()
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (`cargo test --benches`) only checks it builds.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "sync_throughput: run with `cargo bench -p rapport-tests --bench sync_throughput`"
        );
        return;
    }
    let backfill_contacts = env_or("BENCH_BACKFILL_CONTACTS", 100_000usize);
    let drain_contacts = env_or("BENCH_DRAIN_CONTACTS", 10_000usize);
    let backfill_latency = Duration::from_millis(env_or("BENCH_BACKFILL_LATENCY_MS", 1_000u64));
    let drain_latency = Duration::from_millis(env_or("BENCH_DRAIN_LATENCY_MS", 50u64));
    let error_share = env_or("BENCH_ERROR_SHARE", 0.01f64);
    let options = |latency| MockOptions {
        latency,
        max_connections: Some(10),
        server_error_share: error_share,
        ..MockOptions::default()
    };
    println!(
        "mock: 10 connections, {:.1} % injected 5xx; latency per call {} ms (backfill), {} ms (drain)",
        error_share * 100.0,
        backfill_latency.as_millis(),
        drain_latency.as_millis()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let scenarios =
        std::env::var("BENCH_SCENARIOS").unwrap_or_else(|_| "drain,backfill,pace".to_owned());
    let runs = |name: &str| scenarios.split(',').any(|s| s.trim() == name);
    let pace_contacts = env_or("BENCH_PACE_CONTACTS", 1_000usize);
    let pace_latency = Duration::from_millis(env_or("BENCH_PACE_LATENCY_MS", 50u64));
    let pace_cap = Duration::from_secs(env_or("BENCH_PACE_CAP_SECS", 60u64));
    let pace_rounds = env_or("BENCH_PACE_ROUNDS", 5usize).max(1);
    runtime.block_on(async {
        if runs("pace") {
            pace(pace_contacts, pace_latency, pace_cap, pace_rounds).await;
        }
        if runs("drain") {
            drain(options(drain_latency), drain_contacts, drain_latency).await;
        }
        if !runs("backfill") {
            return;
        }
        backfill(
            options(backfill_latency),
            backfill_contacts,
            backfill_latency,
        )
        .await;
        // The same backfill without injected errors, to tell our overhead from the cost of
        // repeating failed calls.
        let clean = MockOptions {
            server_error_share: 0.0,
            ..options(backfill_latency)
        };
        backfill(clean, backfill_contacts, backfill_latency).await;
    });
}
