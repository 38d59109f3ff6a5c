//! Contact-sync administration: dead letters and retries (admins only).

use super::enums::SyncJobKind;
use super::scalars::DateTimeScalar;
use crate::graphql::order::SyncJobOrder;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use rapport_domain::permissions::{Action, Resource};

use super::connection::{RowId, connection};
use super::contact::{ContactNode, load_contact};
use super::context::state;
use super::error::GqlResultExt;
use super::filter_text::filter_text;
use super::ids::contact_id;
use super::pagination::page_request;
use crate::service;
use crate::store::{FailedSync, ResyncRow, Store, StoreError};

impl RowId for FailedSync {
    fn row_id(&self) -> i64 {
        self.id
    }
}

/// A contact's sync to one provider that will not succeed by retrying.
#[derive(Debug, Clone)]
pub struct SyncJobNode(pub FailedSync);

/// A contact's sync to one provider that will not succeed by retrying: parked until the contact
/// changes or an admin calls `retrySync`.
#[Object(name = "SyncJob")]
impl SyncJobNode {
    /// The provider's name (`mailchimp`, `ringover`).
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    /// The contact that was being sent.
    async fn contact(&self, ctx: &Context<'_>) -> Result<ContactNode> {
        load_contact(state(ctx), self.0.contact).await
    }
    /// What the job was asked to do.
    async fn kind(&self) -> SyncJobKind {
        self.0.kind.into()
    }
    /// Attempts made before the job was parked.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the last attempt failed, as the provider put it.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the job was parked.
    async fn failed_at(&self) -> DateTimeScalar {
        self.0.failed_at.into()
    }
}

/// Dead letters are staff-only rows (`ManageIntegrations`): no partner reaches this list.
async fn count_failures(
    store: &Store,
    _: crate::auth::ReadScope,
    provider: &Option<String>,
) -> Result<u64, StoreError> {
    store.sync_failures_count(provider.as_deref()).await
}

connection!(
    SyncJobConnection,
    SyncJobEdge,
    SyncJobNode,
    FailedSync,
    Option<String>,
    count_failures,
    super::prime::nothing
);

/// Where a backfill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ResyncState {
    /// Workers are sending its pages.
    Running,
    /// Every live contact was handled.
    Done,
}

/// A backfill of every live contact to one provider (`resyncAll`), with its progress.
#[derive(Debug, Clone)]
pub struct ResyncNode(pub ResyncRow);

/// A backfill of every live contact to one provider (`resyncAll`), with its progress.
#[Object(name = "Resync")]
impl ResyncNode {
    /// The backfill's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The provider's name (`mailchimp`, `ringover`).
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    /// Running or done.
    async fn state(&self) -> ResyncState {
        if self.0.state == "DONE" {
            ResyncState::Done
        } else {
            ResyncState::Running
        }
    }
    /// Live contacts when the backfill started.
    async fn total(&self) -> i64 {
        self.0.total
    }
    /// Contacts handled so far (synced in bulk or queued).
    async fn processed(&self) -> i64 {
        self.0.processed
    }
    /// Contacts the provider accepted in bulk.
    async fn synced(&self) -> i64 {
        self.0.synced
    }
    /// Contacts handed to the per-contact sync (no bulk API, refused in bulk, or not
    /// expressible in bulk); see each contact's `syncStatus`.
    async fn queued(&self) -> i64 {
        self.0.queued
    }
    /// Pages sent.
    async fn pages(&self) -> i64 {
        self.0.pages
    }
    /// Why the last page failed, if one did (the backfill is taken up again).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The subject of the admin who started it.
    async fn requested_by(&self) -> &str {
        &self.0.requested_by
    }
    /// When it started.
    async fn started_at(&self) -> DateTimeScalar {
        self.0.started_at.into()
    }
    /// When it last made progress.
    async fn updated_at(&self) -> DateTimeScalar {
        self.0.updated_at.into()
    }
    /// When every live contact was handled; null while running.
    async fn finished_at(&self) -> Option<DateTimeScalar> {
        self.0.finished_at.map(Into::into)
    }
}

/// One enabled provider: whether it is paused, and its queue.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncProvider")]
pub struct SyncProviderNode {
    /// The provider's name (`mailchimp`, `ringover`).
    name: String,
    /// Paused after it refused our credentials: nothing is sent until an admin resumes it.
    paused: bool,
    /// Why it was paused (what the provider answered); null unless paused.
    paused_reason: Option<String>,
    /// When it was paused; null unless paused.
    paused_at: Option<DateTimeScalar>,
    /// Jobs waiting to be sent (including those waiting for a retry).
    pending_jobs: i64,
    /// Jobs a worker holds right now.
    in_flight_jobs: i64,
    /// Jobs parked as failed (`syncFailures`).
    failed_jobs: i64,
}

async fn provider_overview(store: &Store, names: &[String]) -> Result<Vec<SyncProviderNode>> {
    let pauses = store.provider_pauses().await.gql()?;
    let counts = store.sync_job_counts().await.gql()?;
    let count = |name: &str, state: &str| {
        counts
            .iter()
            .filter(|(p, s, _)| p == name && s == state)
            .map(|(_, _, n)| *n)
            .sum()
    };
    Ok(names
        .iter()
        .map(|name| {
            let pause = pauses.iter().find(|p| &p.provider == name);
            SyncProviderNode {
                name: name.clone(),
                paused: pause.is_some(),
                paused_reason: pause.map(|p| p.reason.clone()),
                paused_at: pause.map(|p| p.paused_at).map(Into::into),
                pending_jobs: count(name, "PENDING"),
                in_flight_jobs: count(name, "LEASED"),
                failed_jobs: count(name, "DEAD"),
            }
        })
        .collect())
}

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
