//! An import job's progress, written in each chunk's own transaction: the resume point, the
//! totals, the refused rows (the first ones on the job's row too) and the contacts touched,
//! fenced by the lease token and the state.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entity::{import_job, import_job_contact, import_job_error};
use super::import_jobs::{FIRST_ERRORS, ImportChunk, ImportJobError, fenced};
use super::{StoreError, Tx};

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Tx {
    /// Records a chunk of a held job in the chunk's transaction: progress, totals, refused
    /// rows, touched contacts, and a longer lease. `false` (and nothing written) when the
    /// lease was lost or the job was cancelled: the caller rolls the chunk back.
    pub async fn advance_import_job(
        &self,
        id: i64,
        token: &str,
        chunk: &ImportChunk,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let moved = import_job::Entity::update_many()
            .col_expr(import_job::Column::RowsDone, Expr::value(chunk.rows_done))
            .col_expr(
                import_job::Column::RowsTotal,
                Expr::value(Some(chunk.rows_total)),
            )
            .col_expr(
                import_job::Column::Created,
                Expr::col(import_job::Column::Created).add(chunk.created),
            )
            .col_expr(
                import_job::Column::Updated,
                Expr::col(import_job::Column::Updated).add(chunk.updated),
            )
            .col_expr(
                import_job::Column::Unchanged,
                Expr::col(import_job::Column::Unchanged).add(chunk.unchanged),
            )
            .col_expr(
                import_job::Column::Refused,
                Expr::col(import_job::Column::Refused).add(count(chunk.refused.len())),
            )
            .col_expr(import_job::Column::LeaseUntil, Expr::value(until))
            .col_expr(import_job::Column::UpdatedAt, Expr::value(now))
            .filter(fenced(id, token))
            .exec(&self.inner)
            .await?;
        if moved.rows_affected != 1 {
            return Ok(false);
        }
        if !chunk.refused.is_empty() {
            self.keep_first_errors(id, &chunk.refused).await?;
            for slice in chunk.refused.chunks(500) {
                import_job_error::Entity::insert_many(slice.iter().map(|e| {
                    import_job_error::ActiveModel {
                        job_id: Set(id),
                        line: Set(e.line),
                        field: Set(e.field.clone()),
                        reason: Set(e.reason.clone()),
                    }
                }))
                .exec_without_returning(&self.inner)
                .await?;
            }
        }
        for slice in chunk.contacts.chunks(500) {
            import_job_contact::Entity::insert_many(slice.iter().map(|c| {
                import_job_contact::ActiveModel {
                    job_id: Set(id),
                    contact_id: Set(*c),
                }
            }))
            .on_conflict(
                OnConflict::columns([
                    import_job_contact::Column::JobId,
                    import_job_contact::Column::ContactId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&self.inner)
            .await?;
        }
        Ok(true)
    }

    async fn keep_first_errors(
        &self,
        id: i64,
        refused: &[ImportJobError],
    ) -> Result<(), StoreError> {
        let Some(job) = import_job::Entity::find_by_id(id).one(&self.inner).await? else {
            return Ok(());
        };
        let mut first: Vec<ImportJobError> =
            serde_json::from_str(&job.first_errors).unwrap_or_default();
        if first.len() >= FIRST_ERRORS {
            return Ok(());
        }
        first.extend(refused.iter().take(FIRST_ERRORS - first.len()).cloned());
        let text = serde_json::to_string(&first).unwrap_or_else(|_| "[]".to_owned());
        import_job::Entity::update_many()
            .col_expr(import_job::Column::FirstErrors, Expr::value(text))
            .filter(import_job::Column::Id.eq(id))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}
