//! The durable queue the worker claims jobs through. The api implements it over its store;
//! `InMemoryQueue` (feature `testing`) is the reference implementation for tests.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{ClaimedJob, JobId, SyncContact, SyncError, SyncOutcome};

/// The durable job queue, as the worker sees it.
///
/// Contract for implementations (the api's store; `InMemoryQueue` follows it and is tested):
/// - **One job per (provider, contact).** Enqueueing (done by the api, in the transaction of the
///   change, so not part of this trait) merges into the existing job: a pending job takes the
///   [coalesced](crate::JobKind::coalesce) kind and keeps its schedule and attempts; a leased
///   job is marked to run again once the current attempt ends, because the worker may have read
///   the contact before the change; a dead letter comes back to life with zero attempts, since
///   the change may be the fix.
/// - **Claims are atomic and exclusive.** `claim` hands a job to one worker at a time, counting
///   the attempt, with a lease until `now + lease`. A pending job is claimable once due; a leased
///   job once its lease expired (its worker crashed or stalled). PostgreSQL: `FOR UPDATE SKIP
///   LOCKED`; SQLite: one `UPDATE … RETURNING` with the lease columns.
/// - **Outcomes are fenced by the lease token.** `complete`, `retry_later` and `dead_letter`
///   answer [`QueueError::LeaseLost`] when the job is no longer held under that token, and change
///   nothing.
#[async_trait]
pub trait SyncQueue: Send + Sync {
    /// Claims up to `limit` due jobs of `provider` for `worker_id`, leased for `lease`.
    async fn claim(
        &self,
        worker_id: &str,
        provider: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClaimedJob>, QueueError>;

    /// The job was delivered: remove it, record the sync state (external id, what was sent, or
    /// the erasure). If the contact changed while the job was leased, the job runs again.
    async fn complete(
        &self,
        job: &ClaimedJob,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError>;

    /// The attempt failed but may succeed later: release the job, due again at `at`, keeping
    /// `error` as its last error.
    async fn retry_later(
        &self,
        job: &ClaimedJob,
        error: &SyncError,
        at: DateTime<Utc>,
    ) -> Result<(), QueueError>;

    /// The job will not succeed by retrying: park it as a dead letter with `reason`, visible to
    /// admins, until a change of the contact or an admin's retry enqueues it again.
    async fn dead_letter(
        &self,
        job: &ClaimedJob,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError>;

    /// Stops claiming for `provider` until an admin resumes it; its jobs keep their place.
    async fn pause_provider(
        &self,
        provider: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError>;

    /// Whether `provider` is paused.
    async fn is_paused(&self, provider: &str) -> Result<bool, QueueError>;
}

/// What a completed job delivered, for the api's sync-state table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The contact was upserted with this state (keep its email as the address the provider
    /// now knows, for the next email change) and the provider answered this.
    Upserted {
        /// Exactly what was sent.
        sent: Box<SyncContact>,
        /// The provider's answer.
        outcome: SyncOutcome,
    },
    /// The contact was erased at the provider: its keys can be dropped.
    Erased,
    /// The contact no longer exists at all; nothing was sent.
    Skipped,
}

/// The queue could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The job is no longer held under this lease: it expired and another worker claimed it, or
    /// it was finished already. Nothing was changed.
    #[error("the lease on job {job} was lost")]
    LeaseLost {
        /// The job.
        job: JobId,
    },
    /// The queue's storage failed. The job keeps its lease, which will expire.
    #[error("the sync queue is unavailable: {0}")]
    Unavailable(String),
}
