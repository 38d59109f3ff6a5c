//! Sync jobs: one per (provider, contact), claimed under a lease.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;

/// Identifies a job in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(i64);

impl JobId {
    /// Wraps a raw queue key.
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }

    /// The raw queue key.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a job asks for. The worker acts on the contact's *current* state, so the kind records
/// intent; an upsert of a contact that has since been erased is carried out as an erasure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Send the contact's current state.
    Upsert,
    /// Erase the contact at the provider.
    Erase,
}

impl JobKind {
    /// The kind of one job standing for two changes of the same contact, the `pending` one
    /// first. Erasure is final, so an erase absorbs any upsert, before or after it.
    #[must_use]
    pub const fn coalesce(self, incoming: JobKind) -> JobKind {
        match (self, incoming) {
            (JobKind::Upsert, JobKind::Upsert) => JobKind::Upsert,
            _ => JobKind::Erase,
        }
    }

    /// Wire name (`UPSERT`, `ERASE`), for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobKind::Upsert => "UPSERT",
            JobKind::Erase => "ERASE",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [JobKind::Upsert, JobKind::Erase]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// A job: deliver one contact to one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncJob {
    /// Queue key.
    pub id: JobId,
    /// The provider's [`name`](crate::ContactSync::name).
    pub provider: String,
    /// The contact to deliver.
    pub contact_id: ContactId,
    /// What is asked.
    pub kind: JobKind,
    /// Attempts made, counting the one this claim starts: a claim counts as an attempt, so a job
    /// that crashes its worker every time still runs out of attempts.
    pub attempts: u32,
}

/// Opaque proof of one claim. The queue refuses to record an outcome under a token it no longer
/// holds (the lease expired and another worker claimed the job), so a slow worker cannot
/// overwrite a newer worker's result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseToken(String);

impl LeaseToken {
    /// Wraps a token chosen by the queue (a random value, or a claim counter).
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The raw token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A worker's hold on a job until `expires_at`. After that, any worker may claim the job again:
/// that is how jobs of a crashed worker are recovered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Which worker holds it (for logs and the admin view).
    pub worker_id: String,
    /// Proof of this claim.
    pub token: LeaseToken,
    /// When the job becomes claimable again.
    pub expires_at: DateTime<Utc>,
}

/// A job together with the lease a worker holds on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// The job.
    pub job: SyncJob,
    /// The worker's hold on it.
    pub lease: Lease,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erase_absorbs_an_upsert_whichever_came_first() {
        use JobKind::{Erase, Upsert};
        let table = [
            (Upsert, Upsert, Upsert),
            (Upsert, Erase, Erase),
            (Erase, Upsert, Erase),
            (Erase, Erase, Erase),
        ];
        for (pending, incoming, merged) in table {
            assert_eq!(
                pending.coalesce(incoming),
                merged,
                "{pending:?} + {incoming:?}"
            );
        }
    }

    #[test]
    fn job_kinds_parse_from_their_wire_names_only() {
        assert_eq!(JobKind::parse("UPSERT"), Some(JobKind::Upsert));
        assert_eq!(
            JobKind::parse(JobKind::Erase.as_str()),
            Some(JobKind::Erase)
        );
        assert_eq!(JobKind::parse("erase"), None);
    }
}
