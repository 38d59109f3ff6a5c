//! The queue at a glance, per provider: paused providers and job counts by state (for the
//! admin API and `/metrics`).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entity::{provider_pause, sync_job};
use super::{Store, StoreError, Tx};

/// A provider paused after its credentials were refused.
pub type ProviderPauseRow = provider_pause::Model;

impl Store {
    /// Every paused provider.
    pub async fn provider_pauses(&self) -> Result<Vec<ProviderPauseRow>, StoreError> {
        Ok(provider_pause::Entity::find().all(self.writer()).await?)
    }

    /// Jobs per (provider, state): `PENDING`, `LEASED`, `DEAD`.
    pub async fn sync_job_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(sync_job::Entity::find()
            .select_only()
            .column(sync_job::Column::Provider)
            .column(sync_job::Column::State)
            .column_as(sync_job::Column::Id.count(), "count")
            .group_by(sync_job::Column::Provider)
            .group_by(sync_job::Column::State)
            .into_tuple()
            .all(self.reader())
            .await?)
    }
}

impl Tx {
    /// Resumes a paused provider: its jobs are claimed again. `false` if it was not paused.
    pub async fn resume_provider(&self, provider: &str) -> Result<bool, StoreError> {
        let gone = provider_pause::Entity::delete_many()
            .filter(provider_pause::Column::Provider.eq(provider))
            .exec(&self.inner)
            .await?;
        Ok(gone.rows_affected > 0)
    }
}
