//! The contact-sync queue over the database: one job per (provider, contact), claimed
//! atomically with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
//! `UPDATE … RETURNING` under its single writer), outcomes fenced by the lease token.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use rapport_integrations::JobKind;
use sea_orm::DbBackend;

use super::StoreError;
use super::entity::{sync_job, sync_state};

mod claims;
mod enqueue;
mod reads;

pub(super) use enqueue::{enqueue_statement, job_values};

const PENDING: &str = "PENDING";
const LEASED: &str = "LEASED";
const DEAD: &str = "DEAD";

/// A job as stored.
pub type SyncJobRow = sync_job::Model;
/// What a provider last received for a contact.
pub type SyncStateRow = sync_state::Model;

/// A job parked as failed (a dead letter), as `syncFailures` lists it: its kind already the
/// queue's [`JobKind`], parsed once here at the database seam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedSync {
    /// Queue key (the cursor).
    pub id: i64,
    /// The provider's name.
    pub provider: String,
    /// The contact that was being sent.
    pub contact: ContactId,
    /// What the job asked for.
    pub kind: JobKind,
    /// Attempts made before it was parked.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was parked.
    pub failed_at: DateTime<Utc>,
}

impl TryFrom<SyncJobRow> for FailedSync {
    type Error = StoreError;

    fn try_from(row: SyncJobRow) -> Result<Self, StoreError> {
        let sync_job::Model {
            id,
            provider,
            contact_id,
            kind,
            attempts,
            last_error,
            updated_at,
            state: _,
            due_at: _,
            lease_token: _,
            lease_worker: _,
            lease_until: _,
            rerun: _,
            created_at: _,
        } = row;
        let kind = JobKind::parse(&kind).ok_or_else(|| {
            StoreError::corrupt("sync_jobs", id, format!("unknown kind `{kind}`"))
        })?;
        Ok(FailedSync {
            id,
            provider,
            contact: ContactId::new(contact_id),
            kind,
            attempts,
            last_error,
            failed_at: updated_at,
        })
    }
}

/// What a completed job delivered.
#[derive(Debug, Clone)]
pub enum SyncDelivered {
    /// Upserted: the provider's id for the contact, the key it knows the contact by, and the
    /// email sent.
    Upserted {
        /// The provider's id.
        external_id: Option<String>,
        /// The provider's key for the email (e.g. a subscriber hash).
        email_key: Option<String>,
        /// The email sent.
        sent_email: Option<String>,
        /// The consent sent (`SUBSCRIBED`, …).
        sent_consent: Option<String>,
    },
    /// Erased at the provider.
    Erased,
    /// Nothing to send.
    Skipped,
}

/// `N` bind placeholders of `backend`, in order: `$1, $2, …` on PostgreSQL, `?` on SQLite.
fn placeholders<const N: usize>(backend: DbBackend) -> [String; N] {
    std::array::from_fn(|i| {
        if backend == DbBackend::Postgres {
            format!("${}", i + 1)
        } else {
            "?".to_owned()
        }
    })
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
