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
//! The backfill runs twice, with and without injected errors. Each reports contacts per minute and its share of the ceiling, repeated sends (retries),
//! 429s caused, injected 5xx seen, and the process's peak resident memory so far (`VmHWM`; it
//! includes the mock, which runs in the same process).

use std::time::{Duration, Instant};

use chrono::Utc;
use rapport_api::config::Settings;
use rapport_api::startup::Application;
use rapport_tests::mock::{MailchimpMock, MockOptions};

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
    settings.sync.batch_size = 200;
    let mut config = mock.config();
    config.timeout_secs = 30;
    settings.mailchimp = Some(config);
    let registry = rapport_api::providers::registry(&settings).expect("registry");
    let app = Application::build_with(settings, registry)
        .await
        .expect("app");
    let providers = if queue_jobs {
        vec!["mailchimp".to_owned()]
    } else {
        vec![]
    };
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
    runtime.block_on(async {
        drain(options(drain_latency), drain_contacts, drain_latency).await;
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
