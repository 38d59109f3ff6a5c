//! Races between the API's enqueue, a worker's claim and a stale worker's outcome, made
//! deterministic with a row lock: a blocker transaction holds the job row while the racing
//! call runs up to its write, then commits what the other party would have written.
//!
//! PostgreSQL only (READ COMMITTED lets a statement proceed on a row another transaction
//! changed in between). SQLite serializes writers — one writer connection per process, and a
//! stale snapshot cannot write there (`SQLITE_BUSY_SNAPSHOT`) — so these races cannot happen
//! on it and the tests return at once without `TEST_DATABASE_URL`.

use std::time::Duration;

use chrono::{DateTime, SubsecRound as _, Utc};
use rapport_domain::ids::ContactId;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

use super::*;
use crate::store::Store;
use crate::store::gate::HeldTx;
use crate::store::{StoreSettings, create_postgres_database};

const PROVIDER: &str = "p";
const CONTACT: ContactId = ContactId::new(7);

async fn connect(url: String) -> Store {
    let store = Store::connect(&StoreSettings {
        url,
        pool_size: 4,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected");
    store.migrate().await.expect("migrated");
    store
}

async fn postgres() -> Option<Store> {
    let Some(server) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        eprintln!("skipped: the race needs PostgreSQL (set TEST_DATABASE_URL)");
        return None;
    };
    let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
    let url = create_postgres_database(&server, &name)
        .await
        .expect("a test database");
    Some(connect(url).await)
}

/// A PostgreSQL store with one pending job, and the job's id.
async fn pending_job() -> Option<(Store, i64)> {
    let store = postgres().await?;
    enqueue(&store, "UPSERT").await;
    let id = job(&store).await.expect("a pending job").id;
    Some((store, id))
}

async fn enqueue(store: &Store, kind: &str) {
    let tx = store.begin().await.expect("tx");
    tx.enqueue_sync(PROVIDER, CONTACT, kind, Utc::now())
        .await
        .expect("enqueued");
    tx.commit().await.expect("committed");
}

async fn job(store: &Store) -> Option<SyncJobRow> {
    sync_job::Entity::find()
        .filter(sync_job::Column::Provider.eq(PROVIDER))
        .filter(sync_job::Column::ContactId.eq(CONTACT.get()))
        .one(store.writer())
        .await
        .expect("read")
}

/// Claims the job as worker `token` at `now`, leased for `lease_secs`; how many it got.
async fn claim(store: &Store, token: &str, now: DateTime<Utc>, lease_secs: i64) -> usize {
    let until = now + chrono::Duration::seconds(lease_secs);
    store
        .claim_sync_jobs(token, PROVIDER, 1, token, until, now)
        .await
        .expect("claimed")
        .len()
}

/// A change of the contact, enqueued when awaited.
fn enqueue_later(store: &Store) -> impl Future<Output = ()> + Send + 'static {
    let store = store.clone();
    async move { enqueue(&store, "UPSERT").await }
}

/// A transaction holding the job's row lock.
async fn blocker(store: &Store, id: i64) -> HeldTx {
    let tx = store.writer().begin().await.expect("tx");
    tx.execute_unprepared(&format!(
        "SELECT id FROM sync_jobs WHERE id = {id} FOR UPDATE"
    ))
    .await
    .expect("locked");
    tx
}

/// Waits until another session waits on a row lock: the racing call reached its write.
async fn until_blocked(store: &Store) {
    for _ in 0..500 {
        let row = store
            .writer()
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT COUNT(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ))
            .await
            .expect("pg_stat_activity")
            .expect("a row");
        if row.try_get::<i64>("", "n").expect("a count") > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the racing call never waited on the row lock");
}

/// Runs `racing` until it waits on the job's row lock, then commits `meanwhile` (what the
/// other party writes, under the lock) and lets `racing` finish.
async fn race<T: Send + 'static>(
    store: &Store,
    id: i64,
    racing: impl Future<Output = T> + Send + 'static,
    meanwhile: &str,
) -> T {
    let lock = blocker(store, id).await;
    let task = tokio::spawn(racing);
    until_blocked(store).await;
    lock.execute_unprepared(meanwhile).await.expect("written");
    lock.commit().await.expect("committed");
    task.await.expect("the racing call ran")
}

/// What `claim_sync_jobs` writes, by a worker `token`.
fn claim_sql(id: i64, token: &str) -> String {
    format!(
        "UPDATE sync_jobs SET state = 'LEASED', lease_token = '{token}', \
         lease_worker = 'worker-{token}', lease_until = NOW() + INTERVAL '5 minutes', \
         attempts = attempts + 1 WHERE id = {id}"
    )
}

#[tokio::test]
async fn a_change_racing_a_claim_marks_the_job_to_run_again() {
    let Some((store, id)) = pending_job().await else {
        return;
    };
    // The contact changes; its transaction reads the job as PENDING and waits to write, while
    // a worker claims the job (and reads the contact as it was before the change).
    let change = enqueue_later(&store);
    race(&store, id, change, &claim_sql(id, "w1")).await;

    let leased = job(&store).await.expect("the job");
    assert_eq!(leased.state, LEASED);
    assert!(
        leased.rerun,
        "the worker sends the state from before the change: the job must run again"
    );
    assert!(
        store
            .complete_sync_job(id, "w1", &SyncDelivered::Skipped, Utc::now())
            .await
            .expect("completed")
    );
    let again = job(&store).await.expect("the change is still to be sent");
    assert_eq!(again.state, PENDING);
}

#[tokio::test]
async fn a_change_racing_the_completion_of_its_job_is_not_lost() {
    let Some((store, id)) = pending_job().await else {
        return;
    };
    assert_eq!(claim(&store, "w1", Utc::now(), 300).await, 1);
    // The contact changes; its transaction reads the job as LEASED and waits to write, while
    // the worker's attempt (with the state from before the change) completes: what
    // `complete_sync_job` writes for a job without a rerun mark.
    let change = enqueue_later(&store);
    race(
        &store,
        id,
        change,
        &format!("DELETE FROM sync_jobs WHERE id = {id}"),
    )
    .await;

    let pending = job(&store).await.expect("the change is still to be sent");
    assert_eq!(pending.state, PENDING);
}

#[tokio::test]
async fn an_outcome_racing_a_takeover_of_its_lease_changes_nothing() {
    let Some((store, id)) = pending_job().await else {
        return;
    };
    assert_eq!(claim(&store, "old", Utc::now(), 1).await, 1);
    // The old worker, whose lease just expired, records its outcome while a new worker takes
    // the job over.
    let stale = {
        let store = store.clone();
        async move {
            store
                .complete_sync_job(id, "old", &SyncDelivered::Skipped, Utc::now())
                .await
        }
    };
    let held = race(&store, id, stale, &claim_sql(id, "new")).await;

    let held = held.expect("answered");
    assert!(!held, "the old worker's lease was lost");
    let taken = job(&store)
        .await
        .expect("the new worker's job is still there");
    assert_eq!(taken.lease_token.as_deref(), Some("new"));
    assert_eq!(taken.state, LEASED);
}

#[tokio::test]
async fn a_change_merges_into_the_contacts_job_whatever_its_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = match postgres().await {
        Some(store) => store,
        None => {
            connect(format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("q.db").display()
            ))
            .await
        }
    };
    // Microseconds: what PostgreSQL keeps.
    let t0 = Utc::now().trunc_subsecs(6);
    let at = |secs: i64| t0 + chrono::Duration::seconds(secs);
    let enqueue_at = |kind: &'static str, now| {
        let store = store.clone();
        async move {
            let tx = store.begin().await.expect("tx");
            tx.enqueue_sync(PROVIDER, CONTACT, kind, now)
                .await
                .expect("enqueued");
            tx.commit().await.expect("committed");
        }
    };
    enqueue_at("UPSERT", at(0)).await;
    let first = job(&store).await.expect("a job");
    assert_eq!(
        (first.state.as_str(), first.kind.as_str(), first.attempts),
        (PENDING, "UPSERT", 0)
    );
    // Pending: an erase wins and stays, the schedule is kept.
    enqueue_at("ERASE", at(1)).await;
    enqueue_at("UPSERT", at(2)).await;
    let merged = job(&store).await.expect("one job");
    assert_eq!((merged.id, merged.kind.as_str()), (first.id, "ERASE"));
    assert_eq!(merged.due_at, first.due_at);
    assert_eq!(merged.updated_at, at(2));
    // Leased: marked to run again after the attempt, which puts it back as due.
    assert_eq!(claim(&store, "w1", at(3), 300).await, 1);
    enqueue_at("UPSERT", at(4)).await;
    let marked = job(&store).await.expect("the job");
    assert_eq!((marked.state.as_str(), marked.rerun), (LEASED, true));
    assert!(
        store
            .complete_sync_job(first.id, "w1", &SyncDelivered::Erased, at(5))
            .await
            .expect("completed")
    );
    let again = job(&store).await.expect("due again");
    assert_eq!(
        (again.state.as_str(), again.rerun, again.attempts),
        (PENDING, false, 0)
    );
    // Dead: revived with fresh attempts, due at the change.
    assert_eq!(claim(&store, "w2", at(6), 300).await, 1);
    assert!(
        store
            .dead_letter_sync_job(first.id, "w2", "refused", at(7))
            .await
            .expect("parked")
    );
    assert_eq!(job(&store).await.expect("parked").state, DEAD);
    enqueue_at("UPSERT", at(8)).await;
    let revived = job(&store).await.expect("revived");
    assert_eq!(
        (
            revived.state.as_str(),
            revived.attempts,
            revived.due_at,
            revived.last_error.as_deref()
        ),
        (PENDING, 0, at(8), Some("refused"))
    );
}
