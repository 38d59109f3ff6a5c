//! Events from commit to a webhook receiver and to a subscribed GraphQL client (issue 12,
//! point 6).
//!
//! Run: `cargo bench -p rapport-tests --bench events_throughput` (SQLite); with
//! `TEST_DATABASE_URL=postgres://…` for PostgreSQL (a fresh database). Sizes:
//! `BENCH_EVENTS` (drain, default 5,000), `BENCH_RATES` (fixed write rates per second,
//! comma-separated, default `50,100`), `BENCH_SECONDS` (per rate, default 15),
//! `BENCH_WRITERS` (concurrent writers of the drain and of the unthrottled run, default 8),
//! `BENCH_POLL_MS` (the relay's idle poll, default 50), `RUST_LOG` (the server's log on stderr,
//! e.g. `warn,rapport_api::events=debug`). The subscription broker's poll
//! (`events.subscriptions.poll_ms`) keeps its default unless `BENCH_SUB_POLL_MS` is set.
//!
//! Method. The real server (`Application`) on a fresh database with two consumers of
//! `account.created`: one webhook endpoint pointing at a local receiver
//! (`rapport_tests::receiver`, answers 204 at once) on 127.0.0.1, and one GraphQL client
//! subscribed over WebSocket (`graphql-transport-ws` on `/graphql`, the admin's token in
//! `connection_init`, `subscription { eventReceived(types: ["account.created"]) { aggregateId } }`,
//! a tokio-tungstenite client in this file answering the server's pings). The relay, the
//! dispatcher and the broker are the production ones with default settings
//! (`events.batch_size` 500, `events.webhooks.concurrency` 8, `events.subscriptions.poll_ms`
//! 200) except the relay's idle poll.
//!
//! - **drain**: `BENCH_EVENTS` account creations are written through GraphQL by
//!   `BENCH_WRITERS` concurrent writers with the relay stopped (the subscriber already
//!   listening); then one relay + dispatcher loop (`EventsHandle::run`, as in `rapport relay`)
//!   starts and, per leg, the clock runs until that consumer holds every event: events per
//!   second from outbox to receipt. The subscriber's buffer (`events.subscriptions.buffer`,
//!   default 256) is raised to hold the whole backlog here, since the relay publishes 500 at a
//!   time and a default subscriber would be dropped as too slow (as designed).
//! - **steady**: the relay runs in the server (`events.relay_in_server`); a writer creates
//!   accounts at each rate of `BENCH_RATES` for `BENCH_SECONDS`; each event's latency, per leg,
//!   is its receipt time minus the time its mutation's response arrived (so the commit is
//!   before it: latencies are slightly under-stated by the response's transfer, well under a
//!   millisecond locally). Reports p50/p99/max, events lost (must be 0, asserted), duplicates,
//!   and how long after the last write the last event arrived (the relay keeps up when that
//!   stays near one poll).
//! - **unthrottled**: as steady, but `BENCH_WRITERS` writers create accounts back to back for
//!   `BENCH_SECONDS`: the API's own write rate with the relay, dispatcher and broker running
//!   in the same process, and whether both legs keep up with it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rapport_api::store::NewWebhookEndpoint;
use rapport_tests::receiver::Receiver;
use rapport_tests::{TestApp, spawn_app_with};
use serde_json::json;

#[path = "events_throughput/subscriber.rs"]
mod subscriber;
use subscriber::Subscriber;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const CREATE: &str =
    "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }";
const WAIT: Duration = Duration::from_secs(120);

async fn add_endpoint(app: &TestApp, receiver: &Receiver) {
    let owner = app
        .store
        .team_member_by_subject("bootstrap-admin")
        .await
        .expect("read")
        .expect("admin")
        .id
        .get();
    app.store
        .add_webhook_endpoint(NewWebhookEndpoint {
            owner_member_id: Some(owner),
            partner_id: None,
            url: receiver.url().to_owned(),
            event_types: vec!["account.created".to_owned()],
            account_id: None,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
            created_by: "bootstrap-admin".to_owned(),
            now: chrono::Utc::now(),
        })
        .await
        .expect("endpoint");
}

/// Each consumer's arrivals as (aggregate id, when).
fn webhook_arrivals(receiver: &Receiver) -> Vec<(String, Instant)> {
    receiver
        .received()
        .iter()
        .filter_map(|r| {
            r.json()["aggregate"]["id"]
                .as_str()
                .map(|id| (id.to_owned(), r.at))
        })
        .collect()
}

/// Polls until `arrivals` holds every id of `expected` (or `within` passed) and answers them.
/// `count` is a cheap count of the arrivals, checked first (parsing every arrival on each poll
/// would compete with the server for the CPU); arrival times are stamped on receipt, so the
/// poll interval does not enter the figures.
async fn wait_all(
    expected: &HashSet<String>,
    within: Duration,
    count: impl Fn() -> usize,
    arrivals: impl Fn() -> Vec<(String, Instant)>,
) -> Vec<(String, Instant)> {
    let deadline = Instant::now() + within;
    loop {
        if count() >= expected.len() || Instant::now() >= deadline {
            let got = arrivals();
            let seen: HashSet<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
            if expected.iter().all(|id| seen.contains(id.as_str())) || Instant::now() >= deadline {
                return got;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates an account; answers its id and when the response arrived.
async fn create(app: &TestApp, name: String) -> (String, Instant) {
    let res = app
        .gql(
            CREATE,
            json!({"input": {"name": name, "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"}}),
        )
        .await
        .ok();
    let at = Instant::now();
    let id = res
        .data("/createAccount/account/id")
        .as_str()
        .expect("id")
        .to_owned();
    (id, at)
}

/// Where this process's relay and dispatcher spent their time during the run: per phase, how
/// many runs, their total and longest time.
fn print_timings(label: &str, app: &TestApp) {
    for t in app.events.timings().snapshot() {
        if t.count == 0 {
            continue;
        }
        println!(
            "{label}: time in {:22} {:6} runs, {:8.1} ms total, max {:7.1} ms",
            t.phase.name(),
            t.count,
            t.total.as_secs_f64() * 1000.0,
            t.max.as_secs_f64() * 1000.0
        );
    }
}

#[allow(clippy::cast_precision_loss)]
fn per_second(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

async fn drain(events: usize, writers: usize, poll_ms: u64, sub_poll_ms: Option<u64>) {
    let app = spawn_app_with(|s| {
        s.events.poll_ms = poll_ms;
        s.events.subscriptions.buffer = s.events.subscriptions.buffer.max(events + 16);
        if let Some(ms) = sub_poll_ms {
            s.events.subscriptions.poll_ms = ms;
        }
    })
    .await;
    let receiver = Receiver::start().await;
    add_endpoint(&app, &receiver).await;
    let subscriber = Subscriber::start(&app).await;
    let writing = Instant::now();
    let mut tasks = Vec::new();
    let app = Arc::new(app);
    for w in 0..writers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in (w..events).step_by(writers) {
                ids.push(create(&app, format!("Drain {i:05}")).await.0);
            }
            ids
        }));
    }
    let mut expected = HashSet::new();
    for task in tasks {
        expected.extend(task.await.expect("writer"));
    }
    let wrote = writing.elapsed();
    let stop = Arc::new(AtomicBool::new(false));
    let handle = app.events.clone();
    let flag = stop.clone();
    let started = Instant::now();
    let relay = tokio::spawn(async move { handle.run("bench-relay", flag).await });
    let (hooks, subs) = tokio::join!(
        wait_all(
            &expected,
            Duration::from_secs(600),
            || receiver.received().len(),
            || webhook_arrivals(&receiver)
        ),
        wait_all(
            &expected,
            Duration::from_secs(600),
            || subscriber.count(),
            || subscriber.received()
        )
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = relay.await;
    println!(
        "drain   [{}] {events} accounts written by {writers} writers in {:.1} s ({:.0} writes/s, relay stopped)",
        app.backend,
        wrote.as_secs_f64(),
        per_second(events, wrote)
    );
    for (leg, got) in [("webhook", &hooks), ("websocket", &subs)] {
        let seen: HashSet<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
        let n = expected
            .iter()
            .filter(|id| seen.contains(id.as_str()))
            .count();
        let last = got
            .iter()
            .map(|(_, at)| *at)
            .max()
            .unwrap_or(started)
            .saturating_duration_since(started);
        println!(
            "drain   [{}] {leg:9} {n}/{events} events in {:.2} s: {:.0} events/s",
            app.backend,
            last.as_secs_f64(),
            per_second(n, last)
        );
    }
    if let Some(why) = subscriber.ended() {
        println!("drain   [{}] the subscription ended: {why}", app.backend);
    }
    print_timings(&format!("drain   [{}]", app.backend), &app);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// How the writer writes: a fixed rate per second, or this many writers back to back.
#[derive(Clone, Copy)]
enum Load {
    Rate(u64),
    Unthrottled(usize),
}

async fn write_at_rate(app: &Arc<TestApp>, rate: u64, seconds: u64) -> Vec<(String, Instant)> {
    let total = usize::try_from(rate * seconds).expect("small");
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut writes = Vec::with_capacity(total);
    for i in 0..total {
        ticks.tick().await;
        let app = app.clone();
        writes.push(tokio::spawn(async move {
            create(&app, format!("Steady {i:05}")).await
        }));
    }
    let mut done = Vec::with_capacity(total);
    for write in writes {
        done.push(write.await.expect("write"));
    }
    done
}

async fn write_flat_out(
    app: &Arc<TestApp>,
    writers: usize,
    seconds: u64,
) -> Vec<(String, Instant)> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            let mut i = 0usize;
            while Instant::now() < until {
                done.push(create(&app, format!("Flat {w}-{i:05}")).await);
                i += 1;
            }
            done
        }));
    }
    let mut done = Vec::new();
    for task in tasks {
        done.extend(task.await.expect("writer"));
    }
    done
}

/// One leg's figures against the writes: latencies (sorted), lost, duplicates, last arrival.
fn leg(
    committed: &HashMap<String, Instant>,
    arrivals: &[(String, Instant)],
) -> (Vec<Duration>, usize, usize, Option<Instant>) {
    let mut first: HashMap<&str, Instant> = HashMap::new();
    let mut duplicates = 0;
    for (id, at) in arrivals {
        if !committed.contains_key(id) {
            continue;
        }
        if first.insert(id.as_str(), *at).is_some() {
            duplicates += 1;
        }
    }
    let mut latencies: Vec<Duration> = first
        .iter()
        .map(|(id, at)| at.saturating_duration_since(committed[*id]))
        .collect();
    latencies.sort_unstable();
    let lost = committed.len() - first.len();
    (latencies, lost, duplicates, first.values().max().copied())
}

async fn steady(load: Load, seconds: u64, poll_ms: u64, sub_poll_ms: Option<u64>) -> usize {
    let app = spawn_app_with(|s| {
        s.events.relay_in_server = true;
        s.events.poll_ms = poll_ms;
        if let Some(ms) = sub_poll_ms {
            s.events.subscriptions.poll_ms = ms;
        }
    })
    .await;
    let receiver = Receiver::start().await;
    add_endpoint(&app, &receiver).await;
    let subscriber = Subscriber::start(&app).await;
    let app = Arc::new(app);
    let started = Instant::now();
    let writes = match load {
        Load::Rate(rate) => write_at_rate(&app, rate, seconds).await,
        Load::Unthrottled(writers) => write_flat_out(&app, writers, seconds).await,
    };
    let writing = started.elapsed();
    let committed: HashMap<String, Instant> = writes.into_iter().collect();
    let total = committed.len();
    let last_write = committed
        .values()
        .max()
        .copied()
        .unwrap_or_else(Instant::now);
    let expected: HashSet<String> = committed.keys().cloned().collect();
    let (hooks, subs) = tokio::join!(
        wait_all(
            &expected,
            WAIT,
            || receiver.received().len(),
            || webhook_arrivals(&receiver)
        ),
        wait_all(
            &expected,
            WAIT,
            || subscriber.count(),
            || subscriber.received()
        )
    );
    let label = match load {
        Load::Rate(rate) => format!("steady  [{}] target {rate}/s", app.backend),
        Load::Unthrottled(writers) => {
            format!("flat    [{}] {writers} writers, unthrottled", app.backend)
        }
    };
    println!(
        "{label}: {total} writes in {:.1} s = {:.0} writes/s achieved",
        writing.as_secs_f64(),
        per_second(total, writing)
    );
    let mut lost_total = 0;
    for (name, arrivals) in [("webhook", &hooks), ("websocket", &subs)] {
        let (latencies, lost, duplicates, last) = leg(&committed, arrivals);
        lost_total += lost;
        println!(
            "{label}: {name:9} latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; lost {lost}; duplicates {duplicates}; last event {:.0} ms after the last write",
            percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
            last.unwrap_or(last_write)
                .saturating_duration_since(last_write)
                .as_secs_f64()
                * 1000.0
        );
    }
    if let Some(why) = subscriber.ended() {
        println!("{label}: the subscription ended: {why}");
    }
    print_timings(&label, &app);
    lost_total
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    if let Ok(filter) = std::env::var("RUST_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let events = env_or("BENCH_EVENTS", 5_000usize);
    let rates: Vec<u64> = std::env::var("BENCH_RATES")
        .unwrap_or_else(|_| "50,100".to_owned())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let seconds = env_or("BENCH_SECONDS", 15u64);
    let writers = env_or("BENCH_WRITERS", 8usize).max(1);
    let poll_ms = env_or("BENCH_POLL_MS", 50u64);
    let sub_poll_ms = std::env::var("BENCH_SUB_POLL_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let lost = runtime.block_on(async {
        if events > 0 {
            drain(events, writers, poll_ms, sub_poll_ms).await;
        }
        let mut lost = 0;
        for rate in rates {
            lost += steady(Load::Rate(rate), seconds, poll_ms, sub_poll_ms).await;
        }
        lost += steady(Load::Unthrottled(writers), seconds, poll_ms, sub_poll_ms).await;
        lost
    });
    assert_eq!(lost, 0, "every event must reach both consumers");
}
