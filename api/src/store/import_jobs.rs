//! Import jobs: created with their file, claimed under a lease (the sync queue's pattern: one
//! `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING *`, a token and an expiry),
//! moved forward chunk by chunk inside the chunk's own transaction (fenced by the token, so a
//! process that lost its lease writes nothing), and ended. Reads are in `import_job_reads`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, Statement,
};

use super::entity::{import_job, import_job_contact, import_job_file, sync_resync};
use super::webhook_deliveries::placeholders;
use super::{Store, StoreError, Tx, lease};

/// An import job as stored.
pub type ImportJobRow = import_job::Model;

/// The states of an import job.
pub mod job_state {
    /// Waiting for a process to take it.
    pub const QUEUED: &str = "QUEUED";
    /// Held (or, once its lease expired, waiting to be taken up again where it stopped).
    pub const RUNNING: &str = "RUNNING";
    /// Every row handled.
    pub const SUCCEEDED: &str = "SUCCEEDED";
    /// Stopped for good: the file could not be read, or the member who started it is gone.
    pub const FAILED: &str = "FAILED";
    /// Stopped by a person; the rows committed before stay.
    pub const CANCELLED: &str = "CANCELLED";
}

use job_state::{CANCELLED, QUEUED, RUNNING};

/// How many refused rows a job keeps on its own row (all are in its error report).
pub const FIRST_ERRORS: usize = 20;

/// A job to create.
#[derive(Debug, Clone)]
pub struct NewImportJob {
    /// `accounts`, `contacts`…
    pub kind: String,
    /// `CSV` or `JSONL`.
    pub format: String,
    /// The options as JSON.
    pub options: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Who started it.
    pub member: i64,
    /// Their subject.
    pub subject: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportJobError {
    /// The line the row starts on.
    pub line: i64,
    /// The column at fault.
    pub field: String,
    /// Why.
    pub reason: String,
}

/// What one chunk adds to a job.
#[derive(Debug, Clone, Default)]
pub struct ImportChunk {
    /// Rows of the file handled once the chunk commits (the resume point).
    pub rows_done: i64,
    /// Rows in the file.
    pub rows_total: i64,
    /// The chunk's outcomes.
    pub created: i64,
    /// …
    pub updated: i64,
    /// …
    pub unchanged: i64,
    /// The chunk's refused rows.
    pub refused: Vec<ImportJobError>,
    /// Contacts created or changed (walked by the job's backfill when it ends).
    pub contacts: Vec<i64>,
}

pub(super) fn fenced(id: i64, token: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(import_job::Column::Id.eq(id))
        .add(import_job::Column::State.eq(RUNNING))
        .add(import_job::Column::LeaseToken.eq(token))
}

impl Store {
    /// Creates a QUEUED job with its file, in one transaction.
    pub async fn create_import_job(
        &self,
        job: NewImportJob,
        now: DateTime<Utc>,
    ) -> Result<ImportJobRow, StoreError> {
        let tx = self.begin().await?;
        let row = import_job::ActiveModel {
            kind: Set(job.kind),
            format: Set(job.format),
            options: Set(job.options),
            file_name: Set(job.file_name),
            started_by_member: Set(job.member),
            started_by: Set(job.subject),
            state: Set(QUEUED.to_owned()),
            rows_total: Set(None),
            rows_done: Set(0),
            created: Set(0),
            updated: Set(0),
            unchanged: Set(0),
            refused: Set(0),
            first_errors: Set("[]".to_owned()),
            error: Set(None),
            lease_token: Set(None),
            lease_until: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            started_at: Set(None),
            finished_at: Set(None),
            ..Default::default()
        }
        .insert(&tx.inner)
        .await?;
        import_job_file::ActiveModel {
            job_id: Set(row.id),
            bytes: Set(job.bytes),
        }
        .insert(&tx.inner)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Takes the oldest job waiting (QUEUED, or RUNNING with an expired lease), or with
    /// `only` that job if it is waiting, under a new lease.
    pub async fn claim_import_job(
        &self,
        only: Option<i64>,
        token: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<ImportJobRow>, StoreError> {
        let backend = self.writer().get_database_backend();
        let lock = if self.is_sqlite() {
            ""
        } else {
            " FOR UPDATE SKIP LOCKED"
        };
        let [t, u, n1, n2, n3, n4, j] = placeholders(backend);
        let statement = format!(
            "UPDATE import_jobs SET state = 'RUNNING', lease_token = {t}, lease_until = {u}, \
             started_at = COALESCE(started_at, {n1}), updated_at = {n2} \
             WHERE id IN (SELECT id FROM import_jobs WHERE \
             (state = 'QUEUED' OR (state = 'RUNNING' AND (lease_until IS NULL OR lease_until < {n3}))) \
             AND ({j} < 0 OR id = {n4}) ORDER BY id LIMIT 1{lock}) RETURNING *"
        );
        let only = only.unwrap_or(-1);
        let stmt = Statement::from_sql_and_values(
            backend,
            statement,
            [
                token.into(),
                until.into(),
                now.into(),
                now.into(),
                now.into(),
                only.into(),
                only.into(),
            ],
        );
        Ok(import_job::Entity::find()
            .from_raw_sql(stmt)
            .one(self.writer())
            .await?)
    }

    /// Lets go of a held job early (the process stops): anyone may take it up at once.
    pub async fn release_import_job(&self, id: i64, token: &str) -> Result<bool, StoreError> {
        let done = import_job::Entity::update_many()
            .col_expr(
                import_job::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(fenced(id, token))
            .exec(self.writer())
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Ends a held job (SUCCEEDED or FAILED, with why) and starts the backfills of the
    /// contacts it created or changed for `bulk_providers`. `false` if the lease was lost.
    pub async fn finish_import_job(
        &self,
        id: i64,
        token: &str,
        state: &str,
        error: Option<&str>,
        bulk_providers: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin().await?;
        let done = lease::ending::<import_job::Entity>(state, now)
            .col_expr(
                import_job::Column::Error,
                Expr::value(error.map(str::to_owned)),
            )
            .filter(fenced(id, token))
            .exec(&tx.inner)
            .await?;
        if done.rows_affected != 1 {
            return Ok(false);
        }
        tx.start_import_backfills(id, bulk_providers, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Cancels a job that has not ended, and starts the backfills of the contacts it already
    /// created or changed. `false` when it had already ended.
    pub async fn cancel_import_job(
        &self,
        id: i64,
        bulk_providers: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin().await?;
        let done = lease::ending::<import_job::Entity>(CANCELLED, now)
            .filter(import_job::Column::Id.eq(id))
            .filter(import_job::Column::State.is_in([QUEUED, RUNNING]))
            .exec(&tx.inner)
            .await?;
        if done.rows_affected != 1 {
            return Ok(false);
        }
        tx.start_import_backfills(id, bulk_providers, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl Tx {
    /// One backfill run per provider over the contacts job `id` created or changed (none when
    /// it touched none).
    pub(super) async fn start_import_backfills(
        &self,
        id: i64,
        providers: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let total = import_job_contact::Entity::find()
            .filter(import_job_contact::Column::JobId.eq(id))
            .count(&self.inner)
            .await?;
        if total == 0 {
            return Ok(());
        }
        for provider in providers {
            sync_resync::ActiveModel {
                provider: Set(provider.clone()),
                state: Set(RUNNING.to_owned()),
                after_contact_id: Set(0),
                total: Set(i64::try_from(total).unwrap_or(i64::MAX)),
                processed: Set(0),
                synced: Set(0),
                queued: Set(0),
                pages: Set(0),
                last_error: Set(None),
                requested_by: Set(format!("import job {id}")),
                lease_token: Set(None),
                lease_until: Set(None),
                started_at: Set(now),
                updated_at: Set(now),
                finished_at: Set(None),
                import_job_id: Set(Some(id)),
                ..Default::default()
            }
            .insert(&self.inner)
            .await?;
        }
        Ok(())
    }
}
