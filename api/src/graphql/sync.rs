//! Contact-sync administration: dead letters and retries (admins only).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use rapport_domain::permissions::{Action, Resource};

use super::connection::{RowId, connection};
use super::contact::{ContactNode, load_contact};
use super::context::state;
use super::error::GqlResultExt;
use super::filter_text::filter_text;
use super::ids::contact_id;
use super::pagination::{connection_complexity, page_request};
use crate::service;
use crate::store::{Store, StoreError, SyncJobRow};

impl RowId for SyncJobRow {
    fn row_id(&self) -> i64 {
        self.id
    }
}

/// A contact's sync to one provider that will not succeed by retrying.
#[derive(Debug, Clone)]
pub struct SyncJobNode(pub SyncJobRow);

#[Object(name = "SyncJob")]
impl SyncJobNode {
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    async fn contact(&self, ctx: &Context<'_>) -> Result<ContactNode> {
        load_contact(state(ctx), ContactId::new(self.0.contact_id)).await
    }
    /// UPSERT or ERASE.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn failed_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

async fn count_failures(store: &Store, provider: &Option<String>) -> Result<u64, StoreError> {
    store.sync_failures_count(provider.as_deref()).await
}

connection!(
    SyncJobConnection,
    SyncJobEdge,
    SyncJobNode,
    SyncJobRow,
    Option<String>,
    count_failures,
    super::prime::nothing
);

/// Sync queries.
#[derive(Debug, Default)]
pub struct SyncQueries;

#[Object]
impl SyncQueries {
    /// Syncs parked as failed, oldest first (admins).
    #[graphql(complexity = "connection_complexity(child_complexity, first, last)")]
    async fn sync_failures(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        provider: Option<String>,
    ) -> Result<SyncJobConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(
                Action::ManageIntegrations,
                &Resource::Global,
                "sync failures",
            )
            .gql()?;
        let provider = filter_text("provider", provider)?;
        let page = st
            .store
            .sync_failures_page(
                provider.as_deref(),
                page_request(first, after, last, before)?,
            )
            .await
            .gql()?;
        Ok(SyncJobConnection {
            page,
            query: provider,
        })
    }
}

/// Input of `retrySync`.
#[derive(Debug, InputObject)]
pub struct RetrySyncInput {
    contact_id: ID,
    /// One provider; all enabled providers when omitted.
    provider: Option<String>,
}

/// Result of `retrySync`.
#[derive(Debug, SimpleObject)]
pub struct RetrySyncPayload {
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
        input: RetrySyncInput,
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
