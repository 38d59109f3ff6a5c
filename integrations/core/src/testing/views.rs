//! What `InMemoryQueue` shows of its jobs, for assertions.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;

use crate::{Delivery, JobId, JobKind, Lease};

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Waiting; claimable from `due_at`.
    Pending {
        /// When it becomes claimable.
        due_at: DateTime<Utc>,
    },
    /// Held by a worker.
    Leased(Lease),
    /// Parked until a new change or an admin's retry.
    DeadLetter {
        /// Why.
        reason: String,
    },
}

/// A job as the queue holds it, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    /// Queue key (kept across coalescing).
    pub id: JobId,
    /// What is asked.
    pub kind: JobKind,
    /// Attempts made.
    pub attempts: u32,
    /// Where it stands.
    pub state: JobState,
    /// The kind of a change that arrived while the job was leased: it runs again after.
    pub rerun: Option<JobKind>,
    /// The last failure.
    pub last_error: Option<String>,
}

/// A job parked as a dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The provider.
    pub provider: String,
    /// The contact.
    pub contact_id: ContactId,
    /// Attempts made.
    pub attempts: u32,
    /// Why.
    pub reason: String,
}

/// A completed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedJob {
    /// The provider.
    pub provider: String,
    /// The contact.
    pub contact_id: ContactId,
    /// What was delivered.
    pub delivery: Delivery,
}
