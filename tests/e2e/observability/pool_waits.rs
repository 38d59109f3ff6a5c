//! The pools' waits on `/metrics`: an acquire that finds every connection of its pool in use
//! is counted and timed, and an idle server shows none.

use std::time::{Duration, Instant};

use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use serde_json::json;

use super::page::{Sample, scrape, sum};

const WAITS: &str = "rapport_db_pool_acquire_waits_total";
const WAITING: &str = "rapport_db_pool_acquires_waiting";
const SECONDS: &str = "rapport_db_pool_acquire_wait_seconds";

/// The pool that takes writes: SQLite's one writer connection, PostgreSQL's one pool.
fn writes_pool(app: &TestApp) -> &'static str {
    if app.backend == "sqlite" {
        "writer"
    } else {
        "main"
    }
}

fn of(page: &[Sample], name: &str, pool: &str) -> f64 {
    sum(page, name, &[("pool", pool)])
}

#[tokio::test]
async fn an_idle_server_shows_no_pool_waits() {
    let app = spawn_app().await;
    scrape(&app).await;
    let page = scrape(&app).await;
    let pools: Vec<&str> = app.store.pool_stats().iter().map(|p| p.pool).collect();
    for pool in &pools {
        assert_eq!(of(&page, WAITS, pool), 0.0, "{pool}");
        assert_eq!(of(&page, WAITING, pool), 0.0, "{pool}");
        assert_eq!(of(&page, &format!("{SECONDS}_sum"), pool), 0.0, "{pool}");
    }
    // The first scrape's reads were acquires, none of which waited.
    let reads = if app.backend == "sqlite" {
        "reader"
    } else {
        "main"
    };
    assert!(
        of(&page, &format!("{SECONDS}_count"), reads) >= 1.0,
        "every acquire is timed"
    );
}

#[tokio::test]
async fn a_write_that_finds_every_connection_in_use_waits_and_is_counted() {
    let app = spawn_app_with(|s| s.database.pool_size = 1).await;
    let pool = writes_pool(&app);
    let max = app
        .store
        .pool_stats()
        .iter()
        .find(|p| p.pool == pool)
        .map(|p| p.max)
        .expect("the pool that writes");
    let before = scrape(&app).await;
    assert_eq!(of(&before, WAITS, pool), 0.0);

    // Every connection of the pool is out, in open transactions.
    let mut held = Vec::new();
    for _ in 0..max {
        held.push(app.store.begin().await.expect("a transaction"));
    }
    let store = app.store.clone();
    let release = async move {
        let deadline = Instant::now() + Duration::from_secs(20);
        while store
            .pool_stats()
            .iter()
            .all(|p| p.pool != pool || p.waiting == 0)
        {
            assert!(Instant::now() < deadline, "the write never waited");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Held a little longer, so the wait is long enough to leave the histogram's low buckets.
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(held);
    };
    let (account, ()) = tokio::join!(
        app.gql(
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }",
            json!({"input": {"name": "Acme", "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"}}),
        ),
        release,
    );
    account.ok();

    let after = scrape(&app).await;
    let waits = of(&after, WAITS, pool);
    assert!(waits >= 1.0, "the write's wait is counted: {waits}");
    if app.backend == "sqlite" {
        // Reads go to the reader pool: only the write's transaction waited.
        assert_eq!(waits, 1.0);
        assert_eq!(of(&after, WAITS, "reader"), 0.0);
    }
    assert_eq!(of(&after, WAITING, pool), 0.0, "nothing waits any more");
    let waited = of(&after, &format!("{SECONDS}_sum"), pool);
    assert!(
        waited >= 0.005,
        "the wait lasted while the connections were held: {waited}"
    );
    // Bucket counts are cumulative: at least the one wait lies above 1 ms.
    let count = of(&after, &format!("{SECONDS}_count"), pool);
    let within_1ms = sum(
        &after,
        &format!("{SECONDS}_bucket"),
        &[("pool", pool), ("le", "0.001")],
    );
    assert!(
        count - within_1ms >= 1.0,
        "{count} acquires, {within_1ms} of them within 1 ms"
    );
}
