//! Reading the providers' queues, backfill runs and dead letters.

use async_graphql::{Context, Object, Result};
use rapport_domain::permissions::{Action, Resource};

use crate::graphql::context::state;
use crate::graphql::error::GqlResultExt;
use crate::graphql::filter_text::filter_text;
use crate::graphql::order::SyncJobOrder;
use crate::graphql::pagination::page_request;

use super::nodes::provider_overview;
use super::{ResyncNode, SyncJobConnection, SyncProviderNode};

/// Sync queries.
#[derive(Debug, Default)]
pub struct SyncQueries;

#[Object]
impl SyncQueries {
    /// The enabled sync providers, paused or not, with their queues (admins).
    async fn sync_providers(&self, ctx: &Context<'_>) -> Result<Vec<SyncProviderNode>> {
        let st = state(ctx);
        st.ctx()
            .authorize(Action::ManageIntegrations, &Resource::Global, "sync")
            .gql()?;
        provider_overview(&st.store, &st.providers).await
    }

    /// Backfills, newest first (admins): at most `first` (default 20, at most 100).
    async fn resyncs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the backfills of this provider (`mailchimp`).")] provider: Option<
            String,
        >,
        #[graphql(default = 20, desc = "How many backfills, newest first: 1 to 100.")] first: i32,
    ) -> Result<Vec<ResyncNode>> {
        let st = state(ctx);
        st.ctx()
            .authorize(Action::ManageIntegrations, &Resource::Global, "sync")
            .gql()?;
        if !(1..=100).contains(&first) {
            return Err(crate::error::ApiError::bad_input(
                "first",
                "must be between 1 and 100",
            ))
            .gql();
        }
        let provider = filter_text("provider", provider)?;
        let rows = st
            .store
            .resyncs(provider.as_deref(), u64::try_from(first).unwrap_or(20))
            .await
            .gql()?;
        Ok(rows.into_iter().map(ResyncNode).collect())
    }

    /// Syncs parked as failed, oldest first (admins).
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn sync_failures(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start of the list (or after `after`): 0 to 100. Without `first` and `last`, the first 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that item.")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end of the list (or before `before`): 0 to 100."
        )]
        last: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page ends just before that item.")]
        before: Option<String>,
        #[graphql(desc = "Only the failures of this provider (`mailchimp`).")] provider: Option<
            String,
        >,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<SyncJobOrder>>,
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
                &page_request(first, after, last, before, SyncJobOrder::sorted(order_by)?)?,
            )
            .await
            .gql()?;
        Ok(SyncJobConnection {
            page,
            query: provider,
        })
    }
}
