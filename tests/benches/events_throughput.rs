//! Events from commit to webhook receipt (issue 12, point 6).
//!
//! Run: `cargo bench -p rapport-tests --bench events_throughput` (SQLite); with
//! `TEST_DATABASE_URL=postgres://…` for PostgreSQL (a fresh database). Sizes:
//! `BENCH_EVENTS` (default 5,000), `BENCH_RATE` (writes per second, default 200),
//! `BENCH_SECONDS` (default 15), `BENCH_POLL_MS` (the relay's idle poll, default 50).
//!
//! Method. The real server (`Application`) on a fresh database, one webhook endpoint (all event
//! types) pointing at a local receiver (`rapport_tests::receiver`, answers 204 at once) on
//! 127.0.0.1; the relay and dispatcher are the production ones with default settings
//! (`events.batch_size` 500, `events.webhooks.concurrency` 8) except the idle poll.
//!
//! - **drain**: `BENCH_EVENTS` account creations are written through GraphQL with the relay
//!   stopped; then one relay + dispatcher loop (`EventsHandle::run`, as in `rapport relay`)
//!   starts and the clock runs until the receiver holds every event: events per second from
//!   outbox to receipt, the relay's capacity.
//! - **steady**: the relay runs in the server (`events.relay_in_server`); a writer creates
//!   accounts at `BENCH_RATE` per second for `BENCH_SECONDS`; each event's latency is its
//!   receipt time minus the time its mutation's response arrived (so the commit is before
//!   it: latencies are slightly under-stated by the response's transfer, well under a
//!   millisecond locally). Reports p50/p99/max, events lost (must be 0), and how long after the
//!   last write the last event arrived (the relay keeps up when that stays near one poll).
//!
//! Subscriptions: the "commit to a subscribed client" leg is not here yet (the subscriptions
//! work landed on main too late for it to be added with this benchmark).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rapport_api::store::NewWebhookEndpoint;
use rapport_tests::receiver::Receiver;
use rapport_tests::{TestApp, spawn_app_with};
use serde_json::json;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const CREATE: &str =
    "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }";

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

async fn drain(events: usize, poll_ms: u64) {
    let app = spawn_app_with(|s| s.events.poll_ms = poll_ms).await;
    let receiver = Receiver::start().await;
    add_endpoint(&app, &receiver).await;
    let writing = Instant::now();
    let mut tasks = Vec::new();
    let app = Arc::new(app);
    for w in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..events).step_by(8) {
                create(&app, format!("Drain {i:05}")).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let wrote = writing.elapsed();
    let stop = Arc::new(AtomicBool::new(false));
    let handle = app.events.clone();
    let flag = stop.clone();
    let started = Instant::now();
    let relay = tokio::spawn(async move { handle.run("bench-relay", flag).await });
    let got = receiver
        .wait_for(events, Duration::from_secs(600))
        .await
        .len();
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = relay.await;
    #[allow(clippy::cast_precision_loss)]
    let rate = got as f64 / took.as_secs_f64();
    println!(
        "drain   [{}] {got}/{events} events delivered in {:.2} s: {rate:.0} events/s (written in {:.1} s)",
        app.backend,
        took.as_secs_f64(),
        wrote.as_secs_f64()
    );
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

async fn steady(rate: u64, seconds: u64, poll_ms: u64) {
    let app = spawn_app_with(|s| {
        s.events.relay_in_server = true;
        s.events.poll_ms = poll_ms;
    })
    .await;
    let receiver = Receiver::start().await;
    add_endpoint(&app, &receiver).await;
    let app = Arc::new(app);
    let total = usize::try_from(rate * seconds).expect("small");
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut writes = Vec::with_capacity(total);
    let started = Instant::now();
    for i in 0..total {
        ticks.tick().await;
        let app = app.clone();
        writes.push(tokio::spawn(async move {
            create(&app, format!("Steady {i:05}")).await
        }));
    }
    let mut committed: HashMap<String, Instant> = HashMap::new();
    for write in writes {
        let (id, at) = write.await.expect("write");
        committed.insert(id, at);
    }
    let writing = started.elapsed();
    let last_write = committed
        .values()
        .max()
        .copied()
        .unwrap_or_else(Instant::now);
    let received = receiver.wait_for(total, Duration::from_secs(120)).await;
    let mut latencies = Vec::with_capacity(total);
    let mut last_receipt = last_write;
    for request in &received {
        let body = request.json();
        let Some(id) = body["aggregate"]["id"].as_str() else {
            continue;
        };
        if let Some(at) = committed.get(id) {
            latencies.push(request.at.saturating_duration_since(*at));
            last_receipt = last_receipt.max(request.at);
        }
    }
    latencies.sort_unstable();
    let lost = total.saturating_sub(latencies.len());
    #[allow(clippy::cast_precision_loss)]
    let achieved = total as f64 / writing.as_secs_f64();
    println!(
        "steady  [{}] {total} writes at {achieved:.0}/s (target {rate}/s): latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; lost {lost}; last event {:.0} ms after the last write",
        app.backend,
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        last_receipt
            .saturating_duration_since(last_write)
            .as_secs_f64()
            * 1000.0
    );
    assert_eq!(lost, 0, "every event must arrive");
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let events = env_or("BENCH_EVENTS", 5_000usize);
    let rate = env_or("BENCH_RATE", 200u64);
    let seconds = env_or("BENCH_SECONDS", 15u64);
    let poll_ms = env_or("BENCH_POLL_MS", 50u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        drain(events, poll_ms).await;
        steady(rate, seconds, poll_ms).await;
    });
}
