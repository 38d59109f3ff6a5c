//! Retrying dead letters, backfilling a provider and resuming a paused one.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::graphql::contact::{ContactNode, load_contact};
use crate::graphql::context::state;
use crate::graphql::error::GqlResultExt;
use crate::graphql::ids::contact_id;
use crate::service;

use super::nodes::provider_overview;
use super::{ResyncNode, SyncProviderNode};

/// Input of `retrySync`.
#[derive(Debug, InputObject)]
pub struct RetrySyncInput {
    /// Global id of the contact to send again.
    contact_id: ID,
    /// One provider; all enabled providers when omitted.
    provider: Option<String>,
}

/// Result of `retrySync`.
#[derive(Debug, SimpleObject)]
pub struct RetrySyncPayload {
    /// The contact, with its `syncStatus` updated.
    contact: ContactNode,
}

/// Sync mutations.
#[derive(Debug, Default)]
pub struct SyncMutations;

#[Object]
impl SyncMutations {
    /// Sends a contact again with its current state (admins); revives a failed sync.
    async fn retry_sync(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact and, optionally, the provider.")] input: RetrySyncInput,
    ) -> Result<RetrySyncPayload> {
        let st = state(ctx);
        let id = contact_id("contactId", &input.contact_id)?;
        service::retry_sync(&st.ctx(), id, input.provider.as_deref())
            .await
            .gql()?;
        Ok(RetrySyncPayload {
            contact: load_contact(st, id).await?,
        })
    }
}

/// Input of `resyncAll`.
#[derive(Debug, InputObject)]
pub struct ResyncAllInput {
    /// The enabled provider to send every live contact to.
    provider: String,
}

/// Result of `resyncAll`.
#[derive(Debug, SimpleObject)]
pub struct ResyncAllPayload {
    /// The backfill: new, or the one already running for the provider.
    resync: ResyncNode,
    /// Whether this call started it.
    started: bool,
}

/// Input of `resumeSyncProvider`.
#[derive(Debug, InputObject)]
pub struct ResumeSyncProviderInput {
    /// The paused provider.
    provider: String,
}

/// Result of `resumeSyncProvider`.
#[derive(Debug, SimpleObject)]
pub struct ResumeSyncProviderPayload {
    /// The provider, resumed.
    provider: SyncProviderNode,
    /// Whether it was paused.
    resumed: bool,
}

/// Backfill and provider mutations.
#[derive(Debug, Default)]
pub struct SyncAdminMutations;

#[Object]
impl SyncAdminMutations {
    /// Sends every live contact to one provider again (admins), in the background: Mailchimp
    /// through batch subscribe (500 members per call), providers without a bulk API through
    /// one queued job per contact. Follow it with `resyncs`.
    async fn resync_all(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider to backfill.")] input: ResyncAllInput,
    ) -> Result<ResyncAllPayload> {
        let st = state(ctx);
        let (run, started) = service::resync_all(&st.ctx(), &input.provider)
            .await
            .gql()?;
        Ok(ResyncAllPayload {
            resync: ResyncNode(run),
            started,
        })
    }

    /// Resumes a provider paused after it refused our credentials (admins), once they are
    /// fixed: its queued jobs and backfills go out again.
    async fn resume_sync_provider(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The paused provider.")] input: ResumeSyncProviderInput,
    ) -> Result<ResumeSyncProviderPayload> {
        let st = state(ctx);
        let resumed = service::resume_sync_provider(&st.ctx(), &input.provider)
            .await
            .gql()?;
        let provider = provider_overview(&st.store, &st.providers)
            .await?
            .into_iter()
            .find(|p| p.name == input.provider)
            .ok_or_else(|| async_graphql::Error::new("the provider vanished"))?;
        Ok(ResumeSyncProviderPayload { provider, resumed })
    }
}
