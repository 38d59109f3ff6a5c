//! Provider pauses, and the jobs and states read for `syncStatus` and `syncFailures`.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::{DEAD, FailedSync, SyncJobRow, SyncStateRow};
use crate::store::entity::{provider_pause, sync_job, sync_state};
use crate::store::page::fetch_page;
use crate::store::{Page, PageRequest, Store, StoreError, SyncJobSort};

impl Store {
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
