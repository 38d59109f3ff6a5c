//! Claiming jobs under a lease, and recording their outcomes fenced by the lease token.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set, Statement,
};

use super::{DEAD, LEASED, PENDING, SyncDelivered, SyncJobRow, placeholders};
use crate::store::entity::{contact, sync_job, sync_state};
use crate::store::{Store, StoreError};

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
}
