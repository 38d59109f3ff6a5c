//! History written at the end of a chunk of an import instead of row by row: the audit rows,
//! outbox events and sync jobs of a transaction that defers them are collected as its rows are
//! applied and written by [`Tx::flush_deferred`] with a few multi-row statements, still inside
//! that transaction (they commit with the rows or not at all). A savepoint of such a
//! transaction collects its own and hands them to its parent when released
//! ([`Tx::release`]); a savepoint dropped (rolled back) drops them with its rows.

use std::collections::HashMap;
use std::sync::{MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};

use super::entity::{agreement, audit_log, contact, outbox};
use super::{AuditRecord, OutboxRecord, StoreError, Tx};

/// Bound values per statement: below SQLite's limit (32,766) and PostgreSQL's (65,535).
pub(super) const MAX_BOUND: usize = 32_000;

/// Rows of `columns` bound values each that one statement may carry.
pub(super) fn rows_per_statement(columns: usize) -> usize {
    (MAX_BOUND / columns.max(1)).max(1)
}

/// One sync job to queue.
#[derive(Debug, Clone)]
struct SyncJob {
    provider: String,
    contact: ContactId,
    erase: bool,
    at: DateTime<Utc>,
}

/// What a deferring transaction has collected.
#[derive(Debug, Default)]
pub(super) struct Deferred {
    audits: Vec<AuditRecord>,
    /// Events, each with the aggregate whose account it is about when that is still to be
    /// looked up (`("Contact", id)`).
    events: Vec<(OutboxRecord, Option<(&'static str, i64)>)>,
    sync: Vec<SyncJob>,
}

impl Deferred {
    fn append(&mut self, other: Deferred) {
        self.audits.extend(other.audits);
        self.events.extend(other.events);
        self.sync.extend(other.sync);
    }
}

impl Tx {
    fn deferred(&self) -> MutexGuard<'_, Option<Deferred>> {
        self.deferred.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From now until [`Tx::flush_deferred`], audit rows, outbox events and sync jobs written
    /// through this transaction are collected and written together by the flush.
    pub fn defer_history(self) -> Self {
        *self.deferred() = Some(Deferred::default());
        self
    }

    /// A savepoint that collects what it defers for its parent (see [`Tx::release`]).
    pub(super) fn defers_like(self, parent: &Tx) -> Self {
        if parent.deferred().is_some() {
            *self.deferred() = Some(Deferred::default());
        }
        self
    }

    /// Releases a savepoint of `parent`: its writes stay in the parent's transaction, and what
    /// it deferred is the parent's to write.
    pub async fn release(self, parent: &Tx) -> Result<(), StoreError> {
        let deferred = self.deferred().take();
        if self.auth_changed.load(std::sync::atomic::Ordering::SeqCst) {
            parent
                .auth_changed
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        self.inner.commit().await?;
        if let (Some(mine), Some(theirs)) = (deferred, parent.deferred().as_mut()) {
            theirs.append(mine);
        }
        Ok(())
    }

    /// Keeps an audit row for the flush; hands it back when this transaction writes at once.
    pub(super) fn defer_audit(&self, record: AuditRecord) -> Option<AuditRecord> {
        match self.deferred().as_mut() {
            Some(d) => {
                d.audits.push(record);
                None
            }
            None => Some(record),
        }
    }

    /// Keeps an event about aggregate `(entity_type, id)` for the flush, its account looked
    /// up then; hands it back when this transaction writes at once.
    pub(super) fn defer_event(
        &self,
        record: OutboxRecord,
        aggregate: (&'static str, i64),
    ) -> Option<OutboxRecord> {
        match self.deferred().as_mut() {
            Some(d) => {
                d.events.push((record, Some(aggregate)));
                None
            }
            None => Some(record),
        }
    }

    /// Keeps a sync job for the flush; `false` when this transaction writes at once.
    pub(super) fn defer_sync(
        &self,
        provider: &str,
        contact: ContactId,
        erase: bool,
        at: DateTime<Utc>,
    ) -> bool {
        match self.deferred().as_mut() {
            Some(d) => {
                d.sync.push(SyncJob {
                    provider: provider.to_owned(),
                    contact,
                    erase,
                    at,
                });
                true
            }
            None => false,
        }
    }

    /// Writes what this transaction deferred, a few multi-row statements for all of it, and
    /// writes at once from then on.
    pub async fn flush_deferred(&self) -> Result<(), StoreError> {
        let Some(deferred) = self.deferred().take() else {
            return Ok(());
        };
        self.write_sync_jobs(deferred.sync).await?;
        self.write_audits(deferred.audits).await?;
        self.write_events(deferred.events).await
    }

    async fn write_audits(&self, audits: Vec<AuditRecord>) -> Result<(), StoreError> {
        let models: Vec<audit_log::ActiveModel> =
            audits.into_iter().map(super::audit::audit_row).collect();
        super::bulk_insert::insert(&self.inner, models).await
    }

    /// The accounts of the contacts and agreements events are about, by (type, id).
    async fn accounts_of(
        &self,
        aggregates: &[(&'static str, i64)],
    ) -> Result<HashMap<(&'static str, i64), i64>, StoreError> {
        let mut found = HashMap::new();
        let ids = |kind: &str| -> Vec<i64> {
            let mut ids: Vec<i64> = aggregates
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| *id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        for chunk in ids("Contact").chunks(super::import::LOOKUP_CHUNK) {
            let rows: Vec<(i64, i64)> = contact::Entity::find()
                .select_only()
                .column(contact::Column::Id)
                .column(contact::Column::AccountId)
                .filter(super::key_list::any_of(
                    self.backend(),
                    contact::Column::Id,
                    chunk,
                ))
                .into_tuple()
                .all(&self.inner)
                .await?;
            found.extend(rows.into_iter().map(|(id, a)| (("Contact", id), a)));
        }
        for chunk in ids("Agreement").chunks(super::import::LOOKUP_CHUNK) {
            let rows: Vec<(i64, i64)> = agreement::Entity::find()
                .select_only()
                .column(agreement::Column::Id)
                .column(agreement::Column::AccountId)
                .filter(super::key_list::any_of(
                    self.backend(),
                    agreement::Column::Id,
                    chunk,
                ))
                .into_tuple()
                .all(&self.inner)
                .await?;
            found.extend(rows.into_iter().map(|(id, a)| (("Agreement", id), a)));
        }
        Ok(found)
    }

    async fn write_events(
        &self,
        events: Vec<(OutboxRecord, Option<(&'static str, i64)>)>,
    ) -> Result<(), StoreError> {
        let pending: Vec<(&'static str, i64)> = events.iter().filter_map(|(_, a)| *a).collect();
        let accounts = self.accounts_of(&pending).await?;
        let models: Vec<outbox::ActiveModel> = events
            .into_iter()
            .map(|(record, aggregate)| {
                let account_id = match aggregate {
                    Some(("Account", id)) => Some(id),
                    Some(key) => accounts.get(&key).copied(),
                    None => record.account_id,
                };
                super::audit::outbox_row(record, account_id)
            })
            .collect();
        super::bulk_insert::insert(&self.inner, models).await
    }

    /// Queues the jobs, one row per provider and contact (an erase wins over an upsert, as
    /// [`Tx::enqueue_sync`] merges them with a job already queued).
    async fn write_sync_jobs(&self, jobs: Vec<SyncJob>) -> Result<(), StoreError> {
        let mut merged: Vec<SyncJob> = Vec::with_capacity(jobs.len());
        let mut at: HashMap<(String, ContactId), usize> = HashMap::new();
        for job in jobs {
            match at.get(&(job.provider.clone(), job.contact)) {
                Some(&i) => merged[i].erase |= job.erase,
                None => {
                    at.insert((job.provider.clone(), job.contact), merged.len());
                    merged.push(job);
                }
            }
        }
        let backend = self.inner.get_database_backend();
        for chunk in merged.chunks(rows_per_statement(6)) {
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
            let mut rows: Vec<String> = Vec::with_capacity(chunk.len());
            for job in chunk {
                let marks: [String; 6] =
                    std::array::from_fn(|i| mark(backend, values.len() + i + 1));
                rows.push(super::sync::job_values(&marks));
                values.extend([
                    job.provider.clone().into(),
                    job.contact.get().into(),
                    (if job.erase { "ERASE" } else { "UPSERT" }).into(),
                    job.at.into(),
                    job.at.into(),
                    job.at.into(),
                ]);
            }
            let sql = super::sync::enqueue_statement(&rows.join(", "));
            self.inner
                .execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        Ok(())
    }
}

/// The `n`th (from 1) bound value's placeholder.
fn mark(backend: DbBackend, n: usize) -> String {
    if backend == DbBackend::Postgres {
        format!("${n}")
    } else {
        "?".to_owned()
    }
}
