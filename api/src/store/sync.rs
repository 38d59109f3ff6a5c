//! The contact-sync queue over the database: one job per (provider, contact), claimed
//! atomically with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
//! `UPDATE … RETURNING` under its single writer), outcomes fenced by the lease token.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use rapport_integrations::JobKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set, Statement,
};

use super::entity::{contact, provider_pause, sync_job, sync_state};
use super::page::fetch_page;
use super::{Page, PageRequest, Store, StoreError, SyncJobSort, Tx};

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

/// One job's `VALUES` row for [`enqueue_statement`], from the placeholders of its provider,
/// contact, kind, due time, creation and update times.
pub(super) fn job_values(marks: &[String; 6]) -> String {
    let [pr, c, k, d, n1, n2] = marks;
    format!("({pr}, {c}, {k}, '{PENDING}', 0, {d}, NULL, NULL, NULL, FALSE, NULL, {n1}, {n2})")
}

/// Queues jobs (`rows`: one or more [`job_values`]), each merged into the job already queued
/// for its provider and contact: a pending job takes the coalesced kind (erase wins); a
/// leased one runs again after its attempt; a dead letter comes back with zero attempts.
pub(super) fn enqueue_statement(rows: &str) -> String {
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

impl Store {
    /// Claims up to `limit` due jobs of `provider` for `worker`, leased until `until`, all under
    /// `token`. A pending job is due at `due_at`; a leased one once its lease expired.
    pub async fn claim_sync_jobs(
        &self,
        worker: &str,
        provider: &str,
        limit: u64,
        token: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SyncJobRow>, StoreError> {
        let backend = self.writer().get_database_backend();
        let lock = match backend {
            DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
            _ => "",
        };
        let [t, w, u, n1, pr, n2, n3, l] = placeholders(backend);
        let statement = format!(
            "UPDATE sync_jobs SET state = 'LEASED', lease_token = {t}, lease_worker = {w}, \
             lease_until = {u}, attempts = attempts + 1, updated_at = {n1} \
             WHERE id IN (SELECT id FROM sync_jobs WHERE provider = {pr} AND \
             ((state = 'PENDING' AND due_at <= {n2}) OR (state = 'LEASED' AND lease_until < {n3})) \
             ORDER BY due_at, id LIMIT {l}{lock}) RETURNING *"
        );
        let stmt = Statement::from_sql_and_values(
            backend,
            statement,
            [
                token.into(),
                worker.into(),
                until.into(),
                now.into(),
                provider.into(),
                now.into(),
                now.into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        );
        let mut rows = sync_job::Entity::find()
            .from_raw_sql(stmt)
            .all(self.writer())
            .await?;
        rows.sort_by_key(|r| (r.due_at, r.id));
        Ok(rows)
    }

    /// The job, if still held under `token`, locked until the transaction ends (PostgreSQL:
    /// `FOR UPDATE`), so no other worker can claim it between this check and the outcome's
    /// write. Without the lock a worker whose lease had just expired could remove, release or
    /// park a job another worker had claimed meanwhile: the second worker's call would run
    /// beside a third one's, or a change marked during its attempt would be lost. SQLite needs
    /// no lock: one writer per process, and a write on a snapshot another process has since
    /// changed fails (`SQLITE_BUSY_SNAPSHOT`) instead of proceeding.
    async fn contact_erased(
        tx: &sea_orm::DatabaseTransaction,
        contact: i64,
    ) -> Result<bool, StoreError> {
        Ok(contact::Entity::find_by_id(contact)
            .filter(contact::Column::ErasedAt.is_not_null())
            .count(tx)
            .await?
            > 0)
    }

    async fn held(
        tx: &sea_orm::DatabaseTransaction,
        id: i64,
        token: &str,
    ) -> Result<Option<SyncJobRow>, StoreError> {
        Ok(sync_job::Entity::find_by_id(id)
            .filter(sync_job::Column::State.eq(LEASED))
            .filter(sync_job::Column::LeaseToken.eq(token))
            .lock_exclusive()
            .one(tx)
            .await?)
    }

    /// Completes a held job: records what was delivered, and removes the job (or, when the
    /// contact changed during the attempt, makes it due again). `false` if the lease was lost.
    pub async fn complete_sync_job(
        &self,
        id: i64,
        token: &str,
        delivered: &SyncDelivered,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write().await?;
        let Some(job) = Self::held(&tx, id, token).await? else {
            return Ok(false);
        };
        let (external_id, email_key, sent_email, sent_consent, erased) = match delivered {
            SyncDelivered::Upserted {
                external_id,
                email_key,
                sent_email,
                sent_consent,
            } => (
                external_id.clone(),
                email_key.clone(),
                sent_email.clone(),
                sent_consent.clone(),
                false,
            ),
            SyncDelivered::Erased => (None, None, None, None, true),
            SyncDelivered::Skipped => (None, None, None, None, false),
        };
        // An upsert that was in flight while the contact was erased: its keys are kept for the
        // erasure that runs next, its address is not (erasure removed it everywhere here).
        let sent_email = match sent_email {
            Some(_) if job.rerun && Self::contact_erased(&tx, job.contact_id).await? => None,
            other => other,
        };
        if !matches!(delivered, SyncDelivered::Skipped) {
            sync_state::Entity::delete_many()
                .filter(sync_state::Column::Provider.eq(job.provider.clone()))
                .filter(sync_state::Column::ContactId.eq(job.contact_id))
                .exec(&tx)
                .await?;
            sync_state::ActiveModel {
                provider: Set(job.provider.clone()),
                contact_id: Set(job.contact_id),
                external_id: Set(external_id),
                email_key: Set(email_key),
                sent_email: Set(sent_email),
                sent_consent: Set(sent_consent),
                last_synced_at: Set(Some(now)),
                erased: Set(erased),
            }
            .insert(&tx)
            .await?;
        }
        if job.rerun {
            Self::release(&tx, id, now, None, 0).await?;
        } else {
            sync_job::Entity::delete_by_id(id).exec(&tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn release(
        tx: &sea_orm::DatabaseTransaction,
        id: i64,
        due: DateTime<Utc>,
        error: Option<&str>,
        attempts: i32,
    ) -> Result<(), StoreError> {
        let mut update = sync_job::Entity::update_many()
            .col_expr(sync_job::Column::State, Expr::value(PENDING))
            .col_expr(sync_job::Column::DueAt, Expr::value(due))
            .col_expr(
                sync_job::Column::LeaseToken,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                sync_job::Column::LeaseWorker,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                sync_job::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(sync_job::Column::Rerun, Expr::value(false))
            .col_expr(sync_job::Column::UpdatedAt, Expr::value(due));
        if let Some(error) = error {
            update = update.col_expr(sync_job::Column::LastError, Expr::value(error));
        }
        if attempts == 0 {
            update = update.col_expr(sync_job::Column::Attempts, Expr::value(0));
        }
        update.filter(sync_job::Column::Id.eq(id)).exec(tx).await?;
        Ok(())
    }

    /// Releases a held job to run again at `at`, keeping `error`. `false` if the lease was lost.
    pub async fn retry_sync_job(
        &self,
        id: i64,
        token: &str,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write().await?;
        if Self::held(&tx, id, token).await?.is_none() {
            return Ok(false);
        }
        Self::release(&tx, id, at, Some(error), 1).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Parks a held job as a dead letter (or, when the contact changed during the attempt,
    /// gives it one fresh attempt). `false` if the lease was lost.
    pub async fn dead_letter_sync_job(
        &self,
        id: i64,
        token: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_write().await?;
        let Some(job) = Self::held(&tx, id, token).await? else {
            return Ok(false);
        };
        if job.rerun {
            Self::release(&tx, id, now, Some(reason), 0).await?;
        } else {
            sync_job::Entity::update_many()
                .col_expr(sync_job::Column::State, Expr::value(DEAD))
                .col_expr(sync_job::Column::LastError, Expr::value(reason))
                .col_expr(
                    sync_job::Column::LeaseToken,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    sync_job::Column::LeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(sync_job::Column::UpdatedAt, Expr::value(now))
                .filter(sync_job::Column::Id.eq(id))
                .exec(&tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Pauses a provider (kept until an admin resumes it).
    pub async fn pause_provider(
        &self,
        provider: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self.is_provider_paused(provider).await? {
            return Ok(());
        }
        provider_pause::ActiveModel {
            provider: Set(provider.to_owned()),
            reason: Set(reason.to_owned()),
            paused_at: Set(now),
        }
        .insert(self.writer())
        .await?;
        Ok(())
    }

    /// Whether a provider is paused.
    pub async fn is_provider_paused(&self, provider: &str) -> Result<bool, StoreError> {
        Ok(provider_pause::Entity::find_by_id(provider.to_owned())
            .count(self.writer())
            .await?
            > 0)
    }

    /// Jobs and states of these contacts (for `Contact.syncStatus`).
    pub async fn sync_rows_for(
        &self,
        contacts: &[ContactId],
    ) -> Result<(Vec<SyncJobRow>, Vec<SyncStateRow>), StoreError> {
        let ids: Vec<i64> = contacts.iter().map(|c| c.get()).collect();
        let jobs = sync_job::Entity::find()
            .filter(sync_job::Column::ContactId.is_in(ids.clone()))
            .all(self.reader())
            .await?;
        let states = sync_state::Entity::find()
            .filter(sync_state::Column::ContactId.is_in(ids))
            .all(self.reader())
            .await?;
        Ok((jobs, states))
    }

    /// What `provider` last received for `contact`.
    pub async fn sync_state(
        &self,
        provider: &str,
        contact: ContactId,
    ) -> Result<Option<SyncStateRow>, StoreError> {
        Ok(
            sync_state::Entity::find_by_id((provider.to_owned(), contact.get()))
                .one(self.writer())
                .await?,
        )
    }

    /// How many dead letters there are (for one provider, or all).
    pub async fn sync_failures_count(&self, provider: Option<&str>) -> Result<u64, StoreError> {
        let mut select = sync_job::Entity::find().filter(sync_job::Column::State.eq(DEAD));
        if let Some(p) = provider {
            select = select.filter(sync_job::Column::Provider.eq(p));
        }
        Ok(select.count(self.reader()).await?)
    }

    /// Dead letters, oldest first.
    pub async fn sync_failures_page(
        &self,
        provider: Option<&str>,
        page: &PageRequest<SyncJobSort>,
    ) -> Result<Page<FailedSync>, StoreError> {
        let mut select = sync_job::Entity::find().filter(sync_job::Column::State.eq(DEAD));
        if let Some(p) = provider {
            select = select.filter(sync_job::Column::Provider.eq(p));
        }
        fetch_page(self.reader(), select, sync_job::Column::Id, page)
            .await?
            .try_map(FailedSync::try_from)
    }
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
