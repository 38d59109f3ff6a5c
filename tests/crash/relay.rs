//! Crash safety of the event relay and the webhook dispatcher with real processes:
//! `rapport relay` (built here as `rapport-harness`) publishes and delivers to two local
//! receivers (two endpoints) while the API writes at least 1,000 events through GraphQL and the
//! test SIGKILLs the relay processes ten times and restarts them. Then one relay finishes.
//!
//! It shows that every event reached every endpoint, that a repeat (a kill between the send
//! and its record) carries the same `webhook-id` and the same body, that every event was
//! published exactly once with gap-free `seq`, and that every delivery ended `succeeded`. It
//! also shows the kills were not vacuous: kills landed with work left to do.
//!
//! SQLite (a file in a temp dir) by default, one or two relays at once; PostgreSQL (a fresh
//! database) with two relays at once when `TEST_DATABASE_URL` names a server.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rapport_api::store::{NewWebhookEndpoint, delivery_state};
use rapport_tests::receiver::Receiver;
use rapport_tests::spawn_app_with;
use serde_json::json;

use super::{database, random_ms};

const ACCOUNTS: usize = 500;
const KILLS: usize = 10;
const FINAL_LIMIT: Duration = Duration::from_secs(120);

/// A relay process, SIGKILLed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Relays {
    dir: PathBuf,
    log: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Relays {
    fn new(dir: &Path, database_url: &str) -> Self {
        let env = vec![
            ("DATABASE_URL", database_url.to_owned()),
            ("RAPPORT_DATA_DIR", dir.join("data").display().to_string()),
            ("RAPPORT_LOG__FILTER", "warn".to_owned()),
            ("RAPPORT_EVENTS__POLL_MS", "20".to_owned()),
            ("RAPPORT_EVENTS__BATCH_SIZE", "50".to_owned()),
            (
                "RAPPORT_EVENTS__WEBHOOKS__ALLOW_HTTP_HOSTS",
                r#"["127.0.0.1"]"#.to_owned(),
            ),
            (
                "RAPPORT_EVENTS__WEBHOOKS__ALLOW_PRIVATE_HOSTS",
                r#"["127.0.0.1"]"#.to_owned(),
            ),
            ("RAPPORT_EVENTS__WEBHOOKS__TIMEOUT_SECS", "2".to_owned()),
            ("RAPPORT_EVENTS__WEBHOOKS__LEASE_SECS", "3".to_owned()),
        ];
        Self {
            dir: dir.to_path_buf(),
            log: dir.join("relays.log"),
            env,
        }
    }

    fn spawn(&self) -> Running {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the relays' log");
        Command::new(env!("CARGO_BIN_EXE_rapport-harness"))
            .arg("relay")
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .map(Running)
            .expect("the relay starts")
    }

    fn kill(&self, relay: &mut Running) {
        let child = &mut relay.0;
        if let Some(status) = child.try_wait().expect("the relay's status") {
            panic!("a relay stopped by itself ({status}):\n{}", self.log_tail());
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the killed relay is reaped");
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_killed_mid_flight_deliver_every_event_to_every_endpoint() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, backend) = database(dir.path()).await;
    let url = database_url.clone();
    let app = spawn_app_with(move |s| s.database_url = Some(url)).await;
    let receivers = [Receiver::start().await, Receiver::start().await];
    // A little latency so that kills land between a send and its record.
    for receiver in &receivers {
        receiver.set_delay(Duration::from_millis(3));
    }
    let owner = app
        .store
        .team_member_by_subject("bootstrap-admin")
        .await
        .expect("read")
        .expect("admin")
        .id
        .get();
    let mut endpoints = Vec::new();
    for receiver in &receivers {
        endpoints.push(
            app.store
                .add_webhook_endpoint(NewWebhookEndpoint {
                    owner_member_id: Some(owner),
                    partner_id: None,
                    url: receiver.url().to_owned(),
                    event_types: Vec::new(),
                    account_id: None,
                    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
                    created_by: "bootstrap-admin".to_owned(),
                    now: chrono::Utc::now(),
                })
                .await
                .expect("endpoint"),
        );
    }

    // The writer: 500 accounts created and each renamed once, through the API, all along the
    // kills.
    let writer = {
        let app_address = app.address.clone();
        let token = app.admin_token.clone();
        let client = app.client().clone();
        tokio::spawn(async move {
            let gql = |query: &'static str, variables: serde_json::Value| {
                let client = client.clone();
                let address = app_address.clone();
                let token = token.clone();
                async move {
                    let body: serde_json::Value = client
                        .post(format!("{address}/graphql"))
                        .bearer_auth(token)
                        .json(&json!({"query": query, "variables": variables}))
                        .send()
                        .await
                        .expect("request")
                        .json()
                        .await
                        .expect("json");
                    assert!(body.get("errors").is_none(), "{body}");
                    body
                }
            };
            for i in 0..ACCOUNTS {
                let created = gql(
                    "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }",
                    json!({"input": {"name": format!("Crash {i:03}"), "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"}}),
                )
                .await;
                let id = created["data"]["createAccount"]["account"]["id"].clone();
                gql(
                    "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { version } } }",
                    json!({"input": {"accountId": id, "expectedVersion": 1, "name": format!("Crash {i:03} renamed")}}),
                )
                .await;
                // About 1,000 events over the ten kills.
                tokio::time::sleep(Duration::from_millis(4)).await;
            }
        })
    };

    let relays = Relays::new(dir.path(), &database_url);
    let mut landed_with_work = 0;
    for round in 0..KILLS {
        let count = if backend == "postgres" || round % 2 == 1 {
            2
        } else {
            1
        };
        let mut running: Vec<Running> = (0..count).map(|_| relays.spawn()).collect();
        tokio::time::sleep(random_ms(300, 900)).await;
        for relay in &mut running {
            relays.kill(relay);
        }
        let published = app
            .store
            .published_after(0, 1_000_000)
            .await
            .expect("read")
            .len();
        let total = app.store.count_rows("outbox").await.expect("count");
        let pending = pending(&app.store, &endpoints).await;
        if i64::try_from(published).expect("small") < total || pending > 0 {
            landed_with_work += 1;
        }
    }
    writer.await.expect("the writer finished");

    let mut last = relays.spawn();
    let events = app.store.count_rows("outbox").await.expect("count");
    assert!(events >= 1_000, "{events} events written");
    let deadline = Instant::now() + FINAL_LIMIT;
    loop {
        let published = app.store.published_after(0, 1_000_000).await.expect("read");
        let done = i64::try_from(published.len()).expect("small") == events
            && pending(&app.store, &endpoints).await == 0;
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {events} published, {} deliveries pending\n{}",
            published.len(),
            pending(&app.store, &endpoints).await,
            relays.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    relays.kill(&mut last);

    let published = app.store.published_after(0, 1_000_000).await.expect("read");
    let seqs: Vec<i64> = published.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events).collect::<Vec<i64>>(), "gap-free seq");
    let ids: BTreeSet<&str> = published.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(i64::try_from(ids.len()).expect("small"), events);

    let mut repeats = 0;
    for (receiver, endpoint) in receivers.iter().zip(&endpoints) {
        let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for request in receiver.received() {
            let id = request.header("webhook-id").expect("webhook-id").to_owned();
            assert_eq!(
                request.json()["id"].as_str(),
                Some(id.as_str()),
                "the body's id is the header's"
            );
            by_id.entry(id).or_default().push(request.body.clone());
        }
        let got: BTreeSet<&str> = by_id.keys().map(String::as_str).collect();
        assert_eq!(got, ids, "endpoint {endpoint} received every event");
        for (id, bodies) in &by_id {
            assert!(
                bodies.iter().all(|b| b == &bodies[0]),
                "repeats of {id} carry the same body"
            );
            repeats += bodies.len() - 1;
        }
        let deliveries = app
            .store
            .webhook_deliveries_of(*endpoint)
            .await
            .expect("rows");
        assert_eq!(i64::try_from(deliveries.len()).expect("small"), events);
        assert!(
            deliveries
                .iter()
                .all(|d| d.state == delivery_state::SUCCEEDED)
        );
    }
    println!(
        "relay crash test on {backend}: {events} events, {KILLS} kills ({landed_with_work} with work left), \
         {repeats} repeated requests (same webhook-id), {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        landed_with_work >= KILLS / 2,
        "kills must land with work left: {landed_with_work}"
    );
}

/// Deliveries of these endpoints not yet succeeded.
async fn pending(store: &rapport_api::store::Store, endpoints: &[i64]) -> usize {
    let mut pending = 0;
    for endpoint in endpoints {
        pending += store
            .webhook_deliveries_of(*endpoint)
            .await
            .expect("rows")
            .iter()
            .filter(|d| d.state != delivery_state::SUCCEEDED)
            .count();
    }
    pending
}
