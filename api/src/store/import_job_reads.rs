//! Reads of import jobs: one job, a page of jobs (newest first), its file, its refused rows.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entity::{import_job, import_job_error, import_job_file};
use super::import_jobs::{ImportJobError, ImportJobRow};
use super::{Store, StoreError};

impl Store {
    /// The job, if it exists.
    pub async fn import_job(&self, id: i64) -> Result<Option<ImportJobRow>, StoreError> {
        Ok(import_job::Entity::find_by_id(id)
            .one(self.writer())
            .await?)
    }

    /// Up to `limit` jobs before `before` (an id), newest first; with `member`, only those
    /// that member started.
    pub async fn import_jobs(
        &self,
        member: Option<i64>,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<ImportJobRow>, StoreError> {
        let mut select = import_job::Entity::find();
        if let Some(member) = member {
            select = select.filter(import_job::Column::StartedByMember.eq(member));
        }
        if let Some(before) = before {
            select = select.filter(import_job::Column::Id.lt(before));
        }
        Ok(select
            .order_by_desc(import_job::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await?)
    }

    /// The job's file.
    pub async fn import_job_file(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(import_job_file::Entity::find_by_id(id)
            .one(self.writer())
            .await?
            .map(|f| f.bytes))
    }

    /// Up to `limit` refused rows of the job after line `after`, in line order.
    pub async fn import_job_errors(
        &self,
        id: i64,
        after: i64,
        limit: u64,
    ) -> Result<Vec<ImportJobError>, StoreError> {
        Ok(import_job_error::Entity::find()
            .filter(import_job_error::Column::JobId.eq(id))
            .filter(import_job_error::Column::Line.gt(after))
            .order_by_asc(import_job_error::Column::Line)
            .limit(limit)
            .all(self.reader())
            .await?
            .into_iter()
            .map(|e| ImportJobError {
                line: e.line,
                field: e.field,
                reason: e.reason,
            })
            .collect())
    }
}
