//! A fleet on one machine: `rapport serve` ×3 and `rapport worker` ×2 (real processes, built
//! here as `rapport-harness`) on one fresh PostgreSQL database, each with its own data folder
//! and port and the same `RAPPORT_JWT__SECRET`; contact sync to a mock Mailchimp and a mock
//! Ringover; events to a local webhook receiver. Run by `tests/fleet/run.sh` (and CI).
//!
//! It checks, in two phases:
//! 1. tokens: one minted by each server is accepted by all three; a token signed with a data
//!    folder's own generated secret is refused by all three (the control);
//! 2. steady load, round-robin over the three: the agreement scheduler, which all three run
//!    every second, writes each due item (a review due today, a notice deadline a week away)
//!    exactly once, counted in the outbox and the audit log; every contact reaches each
//!    provider exactly once (writes counted at the mocks by address and number); every event
//!    reaches the receiver exactly once (counted by `webhook-id`);
//! 3. load with failures: `serve-3` and `worker-2` are SIGKILLed mid-load; every write that was
//!    acknowledged (a 2xx answer) reads back afterwards, no sync job and no event is lost, the
//!    survivors finish the work, and the scheduler still writes each due item once. Redeliveries
//!    after a kill (at-least-once) are counted and bounded by what a killed worker can hold.
//!
//! Finally it prints the requests each server answered.

mod checks;
mod client;
mod processes;
mod workload;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rapport_api::global_id::{Kind, decode};
use rapport_api::store::{Store, StoreSettings, create_postgres_database};
use rapport_tests::mock::{MailchimpMock, RingoverMock, ringover};
use rapport_tests::receiver::Receiver;
use serde_json::json;

use checks::{deliveries, events, held_by, scheduler_counts, sync_drained, wait_for};
use client::Fleet;
use processes::{Launcher, wait_ready};
use workload::{Actors, Ledger, lock};

const AGREEMENTS_BEFORE: usize = 4;
const AGREEMENTS_DURING: usize = 2;
const CONTACTS_BEFORE: u64 = 60;
const CONTACTS_DURING: u64 = 90;
const RENAMED: usize = 20;
/// Jobs one worker claims per provider: the most a SIGKILLed worker can leave half-done.
const SYNC_BATCH: usize = 16;
const DRAIN: Duration = Duration::from_secs(120);

fn random_secret() -> String {
    let bytes: Vec<u8> = (0..4)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The webhook endpoint (to the receiver), an account manager, a second admin who approves,
/// and the account the contacts go on.
async fn setup(
    fleet: &Fleet,
    launcher: &Launcher,
    admin: &str,
    receiver: &str,
) -> (Actors, String) {
    let endpoint = fleet
        .must_write(
            admin,
            "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } } }",
            json!({"input": {"url": receiver, "description": "fleet receiver"}}),
        )
        .await
        .text("/createWebhookEndpoint/webhookEndpoint/id");
    let member = |role: &'static str, subject: &'static str| {
        fleet.must_write(
            admin,
            "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }",
            json!({"input": {"name": subject, "email": format!("{subject}@fleet.test"), "role": role, "subject": subject}}),
        )
    };
    let manager = member("ACCOUNT_MANAGER", "fleet-manager")
        .await
        .text("/createTeamMember/teamMember/id");
    member("ADMIN", "fleet-approver").await;
    let account = fleet
        .must_write(
            admin,
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }",
            json!({"input": {"name": "Fleet Customers", "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"}}),
        )
        .await
        .text("/createAccount/account/id");
    let actors = Actors {
        admin: admin.to_owned(),
        approver: launcher.token("serve-2", "fleet-approver"),
        manager,
        account,
    };
    (actors, endpoint)
}

/// Waits until the survivors have done everything: each agreement's review announced, the
/// sync queue empty for every contact, every webhook delivery made and received.
async fn drain(store: &Store, receiver: &Receiver, endpoint: i64, ledger: &Ledger) {
    let agreements = lock(&ledger.agreements).clone();
    let agreements = &agreements;
    wait_for("the scheduler", DRAIN, move || async move {
        for id in agreements {
            let raw = decode(Kind::Agreement, id)
                .ok_or_else(|| format!("{id} is not an agreement id"))?;
            let events = store
                .outbox_events_for("Agreement", raw)
                .await
                .map_err(|e| e.to_string())?;
            if !events.iter().any(|e| e == "agreement.review_due") {
                return Err(format!("{id} has no review_due yet"));
            }
        }
        Ok(())
    })
    .await;
    let contacts = lock(&ledger.contacts).clone();
    let contacts = &contacts;
    wait_for("the sync queue", DRAIN, move || {
        sync_drained(store, contacts)
    })
    .await;
    // Delivered and received, and still so a second later (no event was still on its way
    // through the relay).
    let deadline = Instant::now() + DRAIN;
    let mut settled: Option<usize> = None;
    loop {
        let found = events(store, receiver, endpoint).await;
        let done = found.undelivered == 0 && found.lost.is_empty();
        if done && settled == Some(found.deliveries) {
            return;
        }
        settled = done.then_some(found.deliveries);
        assert!(
            Instant::now() < deadline,
            "the webhook deliveries: not done after {DRAIN:?}: {found:?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "starts five processes on PostgreSQL; run by tests/fleet/run.sh"]
async fn a_fleet_of_three_servers_and_two_workers_loses_nothing_and_does_nothing_twice() {
    let started = Instant::now();
    let server = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .expect("the fleet runs on PostgreSQL: set TEST_DATABASE_URL=postgres://…");
    let name = format!("rapport_test_fleet_{}", uuid::Uuid::new_v4().simple());
    let url = create_postgres_database(&server, &name)
        .await
        .expect("a fresh database for the fleet");
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mc, ro, receiver) = (
        MailchimpMock::start().await,
        RingoverMock::start().await,
        Receiver::start().await,
    );
    let launcher = Launcher::new(dir.path(), &url, &random_secret(), &mc, &ro);
    launcher.run("migrate", &["migrate"]);
    let mut servers: Vec<_> = (1..=3)
        .map(|i| launcher.serve(&format!("serve-{i}")))
        .collect();
    let mut workers: Vec<_> = (1..=2)
        .map(|i| launcher.worker(&format!("worker-{i}")))
        .collect();
    wait_ready(&reqwest::Client::new(), &mut servers, &launcher).await;
    let fleet = Fleet::new(
        &servers
            .iter()
            .map(|s| (s.name.clone(), s.url.clone().expect("a server url")))
            .collect::<Vec<_>>(),
    );
    let store = Store::connect(&StoreSettings {
        url: url.clone(),
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("the fleet's database");
    println!(
        "fleet: 3 servers, 2 workers on {name}; started in {:?}",
        started.elapsed()
    );

    // 1. A token minted by each server's command line is accepted by all three.
    let tokens: Vec<String> = servers
        .iter()
        .map(|s| launcher.token(&s.name, "bootstrap-admin"))
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        for j in 0..servers.len() {
            if let Err(err) = fleet
                .send_to(j, token, "{ viewer { subject } }", json!({}))
                .await
            {
                panic!(
                    "a token minted by serve-{} is refused by serve-{}: {err}",
                    i + 1,
                    j + 1
                );
            }
        }
    }
    let outsider = launcher.token_without_shared_secret("outsider", "bootstrap-admin");
    for j in 0..servers.len() {
        assert!(
            fleet
                .send_to(j, &outsider, "{ viewer { subject } }", json!({}))
                .await
                .is_err(),
            "serve-{} accepts a token signed with another key",
            j + 1
        );
    }
    println!(
        "check tokens: 3 minted x 3 servers accepted; a token from another key refused by all 3: ok"
    );

    let (actors, endpoint) = setup(&fleet, &launcher, &tokens[0], receiver.url()).await;
    let endpoint = decode(Kind::WebhookEndpoint, &endpoint).expect("an endpoint id");
    let ledger = Ledger::default();
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();

    // 2. Steady load: nothing is done twice.
    tokio::join!(
        async {
            for i in 0..AGREEMENTS_BEFORE {
                workload::agreement(&fleet, &actors, &ledger, &format!("Fleet client {i}")).await;
            }
        },
        workload::contacts(&fleet, &actors, &ledger, &run, 0..CONTACTS_BEFORE),
    );
    assert!(
        lock(&fleet.unacknowledged).is_empty(),
        "{:?}",
        lock(&fleet.unacknowledged)
    );
    drain(&store, &receiver, endpoint, &ledger).await;
    let agreements = lock(&ledger.agreements).clone();
    assert_eq!(agreements.len(), AGREEMENTS_BEFORE);
    assert_scheduled_once(&store, &fleet, &actors.admin, &agreements).await;
    let contacts = lock(&ledger.contacts).clone();
    let once: BTreeMap<String, usize> = BTreeMap::new();
    let found = deliveries(&mc, &ro, &contacts, &once);
    assert!(
        found.missing.is_empty()
            && found.mailchimp_repeats.is_empty()
            && found.ringover_duplicates.is_empty(),
        "{found:?}"
    );
    let n = contacts.len();
    assert_eq!(found.mailchimp_writes, n, "{found:?}");
    assert_eq!(
        found.ringover_calls[ringover::routes::CREATE],
        n,
        "one create per contact: {found:?}"
    );
    assert_eq!(
        found.ringover_calls[ringover::routes::SEARCH],
        n,
        "one search per contact: {found:?}"
    );
    let seen = events(&store, &receiver, endpoint).await;
    assert!(seen.repeated.is_empty() && seen.lost.is_empty(), "{seen:?}");
    println!(
        "check steady load: {} agreements, each review and notice written once by the scheduler of 3 servers; \
         {n} contacts, {} Mailchimp writes, {} Ringover creates (each once); {} events, each received once: ok",
        agreements.len(),
        found.mailchimp_writes,
        found.ringover_calls[ringover::routes::CREATE],
        seen.received
    );

    // 3. SIGKILL serve-3 and worker-2 mid-load.
    let renamed: Vec<String> = contacts
        .iter()
        .take(RENAMED)
        .map(|(id, _, _)| id.clone())
        .collect();
    let kill_at = n + usize::try_from(CONTACTS_DURING / 3).expect("small");
    let mut killed_after = 0;
    let mut held = (0, 0);
    tokio::join!(
        async {
            tokio::join!(
                workload::contacts(
                    &fleet,
                    &actors,
                    &ledger,
                    &run,
                    CONTACTS_BEFORE..CONTACTS_BEFORE + CONTACTS_DURING
                ),
                workload::renames(&fleet, &actors, &ledger, renamed.clone()),
                async {
                    for i in 0..AGREEMENTS_DURING {
                        workload::agreement(
                            &fleet,
                            &actors,
                            &ledger,
                            &format!("Fleet client {}", AGREEMENTS_BEFORE + i),
                        )
                        .await;
                    }
                },
            );
        },
        async {
            let deadline = Instant::now() + Duration::from_secs(60);
            while lock(&ledger.contacts).len() < kill_at && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            killed_after = lock(&ledger.contacts).len() - n;
            let worker = format!("worker-{}", workers[1].pid());
            servers[2].kill();
            fleet.gone(2);
            workers[1].kill();
            let contacts = lock(&ledger.contacts).clone();
            held = held_by(&store, &worker, &contacts, endpoint).await;
        },
    );
    let unacknowledged = lock(&fleet.unacknowledged).len();
    println!(
        "killed serve-3 and worker-2 (SIGKILL) after {killed_after} of {CONTACTS_DURING} contacts; \
         worker-2 held {} sync jobs and {} webhook deliveries; {unacknowledged} writes got no answer",
        held.0, held.1
    );
    servers[0].assert_running();
    servers[1].assert_running();
    workers[0].assert_running();
    drain(&store, &receiver, endpoint, &ledger).await;
    let missing = workload::missing_acks(&fleet, &actors.admin, &ledger).await;
    assert!(missing.is_empty(), "acknowledged writes lost: {missing:?}");
    let agreements = lock(&ledger.agreements).clone();
    assert_scheduled_once(&store, &fleet, &actors.admin, &agreements).await;
    let contacts = lock(&ledger.contacts).clone();
    let twice: BTreeMap<String, usize> = renamed.iter().map(|id| (id.clone(), 2)).collect();
    let found = deliveries(&mc, &ro, &contacts, &twice);
    assert!(
        found.missing.is_empty() && found.ringover_duplicates.is_empty(),
        "{found:?}"
    );
    assert!(
        found.mailchimp_repeats.len() <= SYNC_BATCH,
        "more redeliveries than a killed worker can hold: {found:?}"
    );
    let seen = events(&store, &receiver, endpoint).await;
    assert!(seen.lost.is_empty(), "{seen:?}");
    println!(
        "check kills: {} acknowledged writes all read back; {} agreements scheduled once each; {} contacts all at both providers \
         ({} redelivered to Mailchimp after the kill, at most {SYNC_BATCH} allowed); {} events all received ({} redelivered): ok",
        lock(&ledger.acks).len(),
        agreements.len(),
        contacts.len(),
        found.mailchimp_repeats.len(),
        seen.received,
        seen.repeated.len()
    );

    println!("requests answered per server (2xx / failed):");
    for server in &fleet.servers {
        println!(
            "  {}: {} / {}",
            server.name,
            server.served.load(std::sync::atomic::Ordering::Relaxed),
            server.failed.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    println!("fleet run: all checks passed in {:?}", started.elapsed());
    store.close().await;
}

async fn assert_scheduled_once(store: &Store, fleet: &Fleet, admin: &str, agreements: &[String]) {
    for (id, count) in scheduler_counts(store, fleet, admin, agreements).await {
        assert!(
            count.review_due == 1 && count.notice >= 1 && count.audit_rows == 1,
            "agreement {id}: {} review_due, {} notice events, {} scheduler audit rows; each due item must be written exactly once",
            count.review_due,
            count.notice,
            count.audit_rows
        );
    }
}
