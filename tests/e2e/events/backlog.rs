//! The relay keeps publishing whatever the dispatcher is doing, and neither the relay's next
//! batch nor the dispatcher's claim reads more when the backlog grows (issue 12, point 6).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use rapport_api::global_id::Kind;
use rapport_api::store::RecordedStatement;
use rapport_tests::receiver::{Receiver, Reply};
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

use super::{EndpointSpec, admin_id, endpoint, raw};

/// Whether `account` (a global id) has been published.
async fn published(app: &TestApp, account: &str) -> bool {
    app.store
        .published_after(0, 10_000)
        .await
        .expect("published events")
        .iter()
        .any(|e| e.event_type == "account.created" && e.aggregate_id == raw(Kind::Account, account))
}

#[tokio::test]
async fn publication_goes_on_while_the_dispatcher_waits_on_a_hanging_receiver() {
    // The sender waits up to 30 s for the hanging receiver: far longer than the 10 s this
    // test gives publication.
    let app = spawn_app_with(|s| {
        s.events.webhooks.timeout_secs = 30;
        s.events.poll_ms = 20;
    })
    .await;
    let hanging = Receiver::start().await;
    hanging.set_reply(Reply::Hang);
    let owner = admin_id(&app).await;
    endpoint(
        &app,
        hanging.url(),
        EndpointSpec {
            owner_member_id: Some(owner),
            ..EndpointSpec::default()
        },
    )
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let events = app.events.clone();
    let flag = stop.clone();
    let running = tokio::spawn(async move { events.run("backlog-test", flag).await });

    let admin = app.admin_token.clone();
    let first = app.account_as(&admin, "First", json!({})).await;
    assert!(
        !hanging
            .wait_for(1, Duration::from_secs(10))
            .await
            .is_empty(),
        "the first event reaches the (hanging) receiver"
    );
    let second = app.account_as(&admin, "Second", json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !published(&app, &second).await {
        assert!(
            Instant::now() < deadline,
            "the second event was not published within 10 s while a delivery of the first hung"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(published(&app, &first).await);
    stop.store(true, Ordering::SeqCst);
    running.abort();
}

/// Pages the statement touched (shared buffers hit or read), from its analysed plan.
fn pages(plan: &Value) -> u64 {
    let top = &plan[0]["Plan"];
    ["Shared Hit Blocks", "Shared Read Blocks"]
        .iter()
        .map(|k| top[*k].as_u64().unwrap_or(0))
        .sum()
}

/// Adds `n` unpublished outbox rows, `n` published ones, `n` pending due deliveries to
/// `endpoint` (one aggregate each) and `n` succeeded deliveries spread over the aggregates of
/// the first pending ones (an aggregate's delivered history), then `ANALYZE`.
async fn grow(app: &TestApp, endpoint: i64, from: i64, n: i64) {
    let to = from + n - 1;
    // Far above any `seq` the relay gives meanwhile.
    let seq = from * 100_000;
    for sql in [
        format!(
            "INSERT INTO outbox (at, event_type, entity_type, entity_id, payload, event_id, \
               version, actor_kind) \
             SELECT now(), 'account.created', 'Account', g::text, '{{}}', 'evt_u' || g, 1, 'system' \
             FROM generate_series({from}, {to}) g"
        ),
        format!(
            "INSERT INTO outbox (at, event_type, entity_type, entity_id, payload, event_id, \
               version, actor_kind, actor_name, seq, published_at) \
             SELECT now(), 'account.created', 'Account', g::text, '{{}}', 'evt_p' || g, 1, \
               'system', 'Rapport', {seq} + g, now() \
             FROM generate_series({from}, {to}) g"
        ),
        format!(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, event_type, \
               aggregate_key, body, state, attempts, next_attempt_at, created_at) \
             SELECT {endpoint}, 'evt_d' || g, 2000000 + g, 'account.created', 'Account:' || g, \
               '{{}}', 'pending', 0, now() - interval '1 minute', now() \
             FROM generate_series({from}, {to}) g"
        ),
        format!(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, event_type, \
               aggregate_key, body, state, attempts, next_attempt_at, created_at, delivered_at) \
             SELECT {endpoint}, 'evt_h' || g, g, 'account.updated', 'Account:' || (1 + g % 50), \
               '{{}}', 'succeeded', 1, now(), now(), now() \
             FROM generate_series({from}, {to}) g"
        ),
        "ANALYZE".to_owned(),
    ] {
        app.store.execute_raw(&sql).await.expect("backlog rows");
    }
}

/// Pages touched by each statement, run again now (rolled back).
async fn measure(app: &TestApp, statements: &[(&str, RecordedStatement)]) -> Vec<u64> {
    let mut out = Vec::new();
    for (label, statement) in statements {
        let plan = app
            .store
            .explain_analyzed(statement)
            .await
            .expect("explain");
        println!("{label}: {} pages\n{plan:#}", pages(&plan));
        out.push(pages(&plan));
    }
    out
}

#[tokio::test]
async fn the_next_batch_and_the_claim_read_no_more_with_a_large_backlog() {
    let app = spawn_app().await;
    if app.backend != "postgres" {
        println!("PostgreSQL plans only: set TEST_DATABASE_URL");
        return;
    }
    let owner = admin_id(&app).await;
    // Accepts none of the generated events: the relay's run publishes without fanning out.
    let hook = endpoint(
        &app,
        "http://127.0.0.1:9/",
        EndpointSpec {
            owner_member_id: Some(owner),
            event_types: vec!["agreement.activated"],
            ..EndpointSpec::default()
        },
    )
    .await;
    grow(&app, hook, 1, 600).await;

    app.store.start_recording();
    let now = Utc::now();
    app.events.relay().run_once(now).await.expect("relay run");
    let claimed = app
        .store
        .claim_webhook_deliveries("test-lease", 32, now + chrono::Duration::minutes(1), now)
        .await
        .expect("claim");
    let recorded = app.store.stop_recording();
    assert_eq!(claimed.len(), 32);
    let find = |needle: &str| {
        recorded
            .iter()
            .find(|s| s.sql().contains(needle))
            .unwrap_or_else(|| panic!("no statement with {needle}"))
            .clone()
    };
    let statements = [
        ("next batch", find("\"outbox\".\"seq\" IS NULL")),
        ("claim", find("UPDATE webhook_deliveries SET leased_until")),
    ];
    let small = measure(&app, &statements).await;

    grow(&app, hook, 601, 30_000).await;
    let large = measure(&app, &statements).await;
    for (((label, _), small), large) in statements.iter().zip(small).zip(large) {
        assert!(
            large <= small * 2 + 20,
            "{label}: {large} pages with 30,600 rows of backlog against {small} with 600"
        );
    }
}

#[tokio::test]
async fn a_dispatcher_recording_outcomes_does_not_hold_back_the_fan_out_to_its_endpoint() {
    let app = spawn_app().await;
    if app.backend != "postgres" {
        println!("PostgreSQL row locks only: set TEST_DATABASE_URL");
        return;
    }
    let owner = admin_id(&app).await;
    let hook = endpoint(
        &app,
        "http://127.0.0.1:9/",
        EndpointSpec {
            owner_member_id: Some(owner),
            ..EndpointSpec::default()
        },
    )
    .await;
    // A dispatcher in the middle of recording outcomes holds its endpoint's lock.
    let recording = app.store.begin().await.expect("transaction");
    assert!(
        recording
            .lock_webhook_endpoint(hook)
            .await
            .expect("lock")
            .is_some()
    );
    app.account_as(&app.admin_token.clone(), "Fanned out", json!({}))
        .await;
    let published = tokio::time::timeout(
        Duration::from_secs(5),
        app.events.relay().run_once(Utc::now()),
    )
    .await
    .expect("the relay published within 5 s while the endpoint was locked")
    .expect("relay run");
    assert!(published.published >= 1);
    drop(recording);
    assert_eq!(
        app.store
            .webhook_deliveries_of(hook)
            .await
            .expect("deliveries")
            .len(),
        1
    );
}
