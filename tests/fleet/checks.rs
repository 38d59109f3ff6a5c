//! What the run checks, each answering what it found so the run can print it: the scheduler's
//! due items, the sync deliveries and the webhook deliveries, counted by id at the receivers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rapport_api::global_id::{Kind, decode};
use rapport_api::store::Store;
use rapport_domain::ids::ContactId;
use rapport_tests::mock::mailchimp::hash_of;
use rapport_tests::mock::{MailchimpMock, RingoverMock, ringover};
use rapport_tests::receiver::Receiver;
use serde_json::json;

use crate::client::Fleet;

/// Polls `done` every 200 ms until it answers `Ok`, or fails after `within` with its last `Err`.
pub async fn wait_for<F, Fut>(what: &str, within: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let deadline = Instant::now() + within;
    loop {
        match done().await {
            Ok(()) => return,
            Err(why) if Instant::now() > deadline => {
                panic!("{what}: not done after {within:?}: {why}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Per agreement: the scheduler's events in the outbox and its audit rows.
pub struct SchedulerCount {
    /// `agreement.review_due` events.
    pub review_due: usize,
    /// `agreement.notice_deadline_approaching` events.
    pub notice: usize,
    /// Audit rows written by the scheduler (one per transition transaction).
    pub audit_rows: i64,
}

/// Counts what the scheduler wrote for each agreement.
pub async fn scheduler_counts(
    store: &Store,
    fleet: &Fleet,
    admin: &str,
    agreements: &[String],
) -> BTreeMap<String, SchedulerCount> {
    let mut counts = BTreeMap::new();
    for id in agreements {
        let raw = decode(Kind::Agreement, id).expect("an agreement id");
        let events = store
            .outbox_events_for("Agreement", raw)
            .await
            .expect("the outbox");
        let audit = fleet
            .read(
                admin,
                "query($id: ID!) { auditLog(first: 100, filter: {entityId: $id, action: \"scheduler\"}) { totalCount } }",
                json!({"id": id}),
            )
            .await;
        counts.insert(
            id.clone(),
            SchedulerCount {
                review_due: events
                    .iter()
                    .filter(|e| *e == "agreement.review_due")
                    .count(),
                notice: events
                    .iter()
                    .filter(|e| *e == "agreement.notice_deadline_approaching")
                    .count(),
                audit_rows: audit.data("/auditLog/totalCount").as_i64().unwrap_or(-1),
            },
        );
    }
    counts
}

/// Whether the sync queue holds no job of these contacts any more.
pub async fn sync_drained(store: &Store, contacts: &[(String, String, u64)]) -> Result<(), String> {
    let ids: Vec<ContactId> = contacts
        .iter()
        .map(|(id, _, _)| ContactId::new(decode(Kind::Contact, id).expect("a contact id")))
        .collect();
    let (jobs, _) = store.sync_rows_for(&ids).await.map_err(|e| e.to_string())?;
    if jobs.is_empty() {
        return Ok(());
    }
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for job in jobs {
        *states
            .entry(format!("{} {}", job.provider, job.state))
            .or_default() += 1;
    }
    Err(format!("jobs left: {states:?}"))
}

/// What the providers received for these contacts.
#[derive(Debug, Default)]
pub struct Deliveries {
    /// Contacts missing at Mailchimp or at Ringover.
    pub missing: Vec<String>,
    /// Contacts written more than once to Mailchimp: (email, writes).
    pub mailchimp_repeats: Vec<(String, usize)>,
    /// Mailchimp writes in all.
    pub mailchimp_writes: usize,
    /// Numbers with more than one contact at Ringover.
    pub ringover_duplicates: Vec<u64>,
    /// Ringover requests by route.
    pub ringover_calls: BTreeMap<&'static str, usize>,
}

/// Counts, at the providers, what each contact's sync delivered. `expected_writes` is how many
/// changes of each contact were acknowledged (1 when created only).
pub fn deliveries(
    mc: &MailchimpMock,
    ro: &RingoverMock,
    contacts: &[(String, String, u64)],
    expected_writes: &BTreeMap<String, usize>,
) -> Deliveries {
    let writes = mc.writes();
    let mut found = Deliveries::default();
    for (id, email, number) in contacts {
        let got = writes.get(&hash_of(email)).copied().unwrap_or(0);
        found.mailchimp_writes += got;
        if mc.member(email).is_none() {
            found.missing.push(format!("{email} at Mailchimp"));
        }
        if got > expected_writes.get(id).copied().unwrap_or(1) {
            found.mailchimp_repeats.push((email.clone(), got));
        }
        match ro.contacts_with_number(*number).len() {
            0 => found.missing.push(format!("+{number} at Ringover")),
            1 => {}
            _ => found.ringover_duplicates.push(*number),
        }
    }
    let stats = ro.stats();
    for route in [
        ringover::routes::SEARCH,
        ringover::routes::CREATE,
        ringover::routes::UPDATE,
    ] {
        found
            .ringover_calls
            .insert(route, stats.by_route.get(route).copied().unwrap_or(0));
    }
    found
}

/// The webhook deliveries of the endpoint against what the receiver got, by event id.
#[derive(Debug, Default)]
pub struct Events {
    /// Deliveries the database holds for the endpoint.
    pub deliveries: usize,
    /// Of those, not yet delivered.
    pub undelivered: usize,
    /// Event ids the receiver got at least once.
    pub received: usize,
    /// Event ids of deliveries the receiver never got.
    pub lost: Vec<String>,
    /// Event ids the receiver got more than once, with how many times.
    pub repeated: Vec<(String, usize)>,
}

/// Compares the endpoint's deliveries with what the receiver recorded.
pub async fn events(store: &Store, receiver: &Receiver, endpoint: i64) -> Events {
    let rows = store
        .webhook_deliveries_of(endpoint)
        .await
        .expect("the deliveries");
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for request in receiver.received() {
        if let Some(id) = request.header("webhook-id") {
            *got.entry(id.to_owned()).or_default() += 1;
        }
    }
    let wanted: BTreeSet<String> = rows.iter().map(|r| r.event_id.clone()).collect();
    Events {
        deliveries: rows.len(),
        undelivered: rows.iter().filter(|r| r.delivered_at.is_none()).count(),
        received: got.len(),
        lost: wanted
            .iter()
            .filter(|id| !got.contains_key(*id))
            .cloned()
            .collect(),
        repeated: got.into_iter().filter(|(_, n)| *n > 1).collect(),
    }
}

/// What a worker (`worker-<pid>`, as it names itself in leases) held when it was killed: sync
/// jobs of these contacts and webhook deliveries of the endpoint, still leased and not done.
pub async fn held_by(
    store: &Store,
    worker: &str,
    contacts: &[(String, String, u64)],
    endpoint: i64,
) -> (usize, usize) {
    let ids: Vec<ContactId> = contacts
        .iter()
        .map(|(id, _, _)| ContactId::new(decode(Kind::Contact, id).expect("a contact id")))
        .collect();
    let now = chrono::Utc::now();
    let (jobs, _) = store.sync_rows_for(&ids).await.expect("the sync jobs");
    let jobs = jobs
        .iter()
        .filter(|j| {
            j.lease_worker.as_deref() == Some(worker) && j.lease_until.is_some_and(|t| t > now)
        })
        .count();
    let deliveries = store
        .webhook_deliveries_of(endpoint)
        .await
        .expect("the deliveries")
        .iter()
        .filter(|d| {
            d.leased_by.as_deref() == Some(worker)
                && d.delivered_at.is_none()
                && d.leased_until.is_some_and(|t| t > now)
        })
        .count();
    (jobs, deliveries)
}
