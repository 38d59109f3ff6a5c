//! A dead letter, a backfill run and a provider's queue, as answers show them.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use crate::graphql::connection::{RowId, connection};
use crate::graphql::contact::{ContactNode, load_contact};
use crate::graphql::context::state;
use crate::graphql::enums::SyncJobKind;
use crate::graphql::error::GqlResultExt;
use crate::graphql::scalars::DateTimeScalar;
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
    crate::graphql::prime::nothing
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
    pub(super) name: String,
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

pub(super) async fn provider_overview(
    store: &Store,
    names: &[String],
) -> Result<Vec<SyncProviderNode>> {
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
