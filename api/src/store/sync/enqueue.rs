//! Enqueueing sync jobs, and keeping what an erasure needs, in the transaction of the change.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, Statement};

use super::{DEAD, LEASED, PENDING, placeholders};
use crate::store::entity::sync_state;
use crate::store::{StoreError, Tx};

/// One job's `VALUES` row for [`enqueue_statement`], from the placeholders of its provider,
/// contact, kind, due time, creation and update times.
pub(in crate::store) fn job_values(marks: &[String; 6]) -> String {
    let [pr, c, k, d, n1, n2] = marks;
    format!("({pr}, {c}, {k}, '{PENDING}', 0, {d}, NULL, NULL, NULL, FALSE, NULL, {n1}, {n2})")
}

/// Queues jobs (`rows`: one or more [`job_values`]), each merged into the job already queued
/// for its provider and contact: a pending job takes the coalesced kind (erase wins); a
/// leased one runs again after its attempt; a dead letter comes back with zero attempts.
pub(in crate::store) fn enqueue_statement(rows: &str) -> String {
    format!(
        "INSERT INTO sync_jobs (provider, contact_id, kind, state, attempts, due_at, \
         lease_token, lease_worker, lease_until, rerun, last_error, created_at, updated_at) \
         VALUES {rows} \
         ON CONFLICT (provider, contact_id) DO UPDATE SET \
         kind = CASE WHEN sync_jobs.kind = 'ERASE' OR excluded.kind = 'ERASE' \
             THEN 'ERASE' ELSE 'UPSERT' END, \
         rerun = CASE WHEN sync_jobs.state = '{LEASED}' THEN TRUE ELSE sync_jobs.rerun END, \
         attempts = CASE WHEN sync_jobs.state = '{DEAD}' THEN 0 ELSE sync_jobs.attempts END, \
         due_at = CASE WHEN sync_jobs.state = '{DEAD}' THEN excluded.due_at \
             ELSE sync_jobs.due_at END, \
         state = CASE WHEN sync_jobs.state = '{DEAD}' THEN '{PENDING}' \
             ELSE sync_jobs.state END, \
         updated_at = excluded.updated_at"
    )
}

/// The sync state of a contact nothing was confirmed delivered for: no id, no key, no address.
fn undelivered_state(provider: &str, contact: ContactId) -> sync_state::ActiveModel {
    sync_state::ActiveModel {
        provider: Set(provider.to_owned()),
        contact_id: Set(contact.get()),
        external_id: Set(None),
        email_key: Set(None),
        sent_email: Set(None),
        sent_consent: Set(None),
        last_synced_at: Set(None),
        erased: Set(false),
    }
}

impl Tx {
    /// Prepares the erasure of `contact` at `provider`, in the transaction that erases it:
    /// forgets the address last sent there (personal data; nothing but the erasure is sent
    /// from now on) and keeps `key`, the provider's key of the address being erased
    /// ([`ContactSync::email_key`](rapport_integrations::ContactSync::email_key)), beside the
    /// external id already known. The erasure then also finds a copy that an upsert left
    /// without its outcome being recorded (a timeout, a crash). A contact never synced there
    /// gets a state holding only the key.
    pub async fn keep_erasure_key(
        &self,
        provider: &str,
        contact: ContactId,
        key: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = sync_state::Entity::find_by_id((provider.to_owned(), contact.get()))
            .one(&self.inner)
            .await?;
        match state {
            Some(state) => {
                let mut state: sync_state::ActiveModel = state.into();
                state.sent_email = Set(None);
                if let Some(key) = key {
                    state.email_key = Set(Some(key.to_owned()));
                }
                state.update(&self.inner).await?;
            }
            None => {
                let Some(key) = key else {
                    return Ok(());
                };
                sync_state::ActiveModel {
                    email_key: Set(Some(key.to_owned())),
                    ..undelivered_state(provider, contact)
                }
                .insert(&self.inner)
                .await?;
            }
        }
        Ok(())
    }

    /// Records that `provider` may hold the contact under `email` although no delivery of it was
    /// confirmed to us, when nothing confirmed is recorded: its address is about to change, and
    /// the next sync must address the member of `email` (renaming it if it exists) rather than
    /// create another one. A confirmed address is left as it is.
    pub async fn keep_possible_address(
        &self,
        provider: &str,
        contact: ContactId,
        email: &str,
    ) -> Result<(), StoreError> {
        let state = sync_state::Entity::find_by_id((provider.to_owned(), contact.get()))
            .one(&self.inner)
            .await?;
        match state {
            Some(state) if state.sent_email.is_some() || state.erased => {}
            Some(state) => {
                let mut state: sync_state::ActiveModel = state.into();
                state.sent_email = Set(Some(email.to_owned()));
                state.update(&self.inner).await?;
            }
            None => {
                sync_state::ActiveModel {
                    sent_email: Set(Some(email.to_owned())),
                    ..undelivered_state(provider, contact)
                }
                .insert(&self.inner)
                .await?;
            }
        }
        Ok(())
    }

    /// Enqueues a sync of `contact` to `provider`, merged into its existing job: a pending job
    /// takes the coalesced kind (erase wins); a leased one runs again after its attempt; a dead
    /// letter comes back with zero attempts.
    ///
    /// One `INSERT … ON CONFLICT DO UPDATE`, whose merge reads the job as it is when the row is
    /// written, never an earlier read of it: a worker claiming the job, or completing and
    /// removing it, between a read and the write would otherwise lose this change (PostgreSQL
    /// runs the statement on the row's latest version, and inserts afresh if it is gone).
    pub async fn enqueue_sync(
        &self,
        provider: &str,
        contact: ContactId,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let erase = kind == "ERASE";
        if self.defer_sync(provider, contact, erase, now) {
            return Ok(());
        }
        let backend = self.inner.get_database_backend();
        let marks: [String; 6] = placeholders(backend);
        let statement = enqueue_statement(&job_values(&marks));
        // Merged with the stored kind in SQL: an erase wins over an upsert, never the reverse.
        let incoming = if erase { "ERASE" } else { "UPSERT" };
        self.inner
            .execute_raw(Statement::from_sql_and_values(
                backend,
                statement,
                [
                    provider.into(),
                    contact.get().into(),
                    incoming.into(),
                    now.into(),
                    now.into(),
                    now.into(),
                ],
            ))
            .await?;
        Ok(())
    }
}
