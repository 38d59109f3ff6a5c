//! Across processes: a change made through one server process reaches a subscriber
//! connected to another `rapport serve` process over the same database within two seconds
//! (on PostgreSQL the deployment case; on SQLite both share the file).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rapport_tests::spawn_app_with;
use serde_json::json;

use super::ws::{Got, connect_as_to, publisher, until_live_at};

const BINARY: &str = env!("CARGO_BIN_EXE_rapport-harness");

/// A `rapport serve` child, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_change_through_one_process_reaches_a_subscriber_of_another_process_within_two_seconds() {
    let mut url = None;
    let first = spawn_app_with(|s| url.clone_from(&s.database_url)).await;
    let mut cmd = Command::new(BINARY);
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", first.data_dir.path())
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = &url {
        cmd.env("RAPPORT_DATABASE_URL", url);
    }
    let mut child = Serve(cmd.spawn().expect("rapport serve starts"));
    let second = rapport_tests::banner::read_banner(
        child.0.stderr.take().expect("stderr"),
        std::sync::Arc::default(),
    )
    .address;

    let _relay = publisher(&first);
    let mut ws = connect_as_to(&second, &first.admin_token.clone()).await;
    ws.subscribe(
        "x",
        "subscription { eventReceived(types: [\"account.created\"]) { aggregateId } }",
        json!({}),
    )
    .await;
    until_live_at(&second, 1).await;
    let started = tokio::time::Instant::now();
    let account = first
        .account_as(
            &first.admin_token.clone(),
            "Made in the first process",
            json!({}),
        )
        .await;
    match ws.recv_for("x", Duration::from_secs(2)).await {
        Got::Msg(m) if m["type"] == "next" => {
            assert_eq!(
                m["payload"]["data"]["eventReceived"]["aggregateId"],
                account
            );
        }
        other => panic!("nothing within 2 s in the other process: {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(child);
}
