//! Outbound webhook endpoints, their delivery logs and their management: admins see and
//! manage the staff's endpoints, a partner its own (another owner's endpoint is NOT_FOUND).

mod mutations;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use rapport_domain::permissions::{Action, Resource};

use super::connection::{RowId, connection};
use super::context::state;
use super::error::GqlResultExt;
use super::ids::to_id;
use super::pagination::page_request;
use super::scalars::DateTimeScalar;
use crate::auth::ReadScope;
use crate::global_id::{self, Kind};
use crate::store::{
    AttemptRecord, DeliveryRecord, EndpointRecord, Store, StoreError, WebhookDeliverySort,
    WebhookEndpointSort,
};

pub use mutations::WebhookMutations;

impl RowId for EndpointRecord {
    fn row_id(&self) -> i64 {
        self.id
    }
}

impl RowId for DeliveryRecord {
    fn row_id(&self) -> i64 {
        self.id
    }
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookDeliveryState {
    /// Waiting for its next attempt (or for an earlier event of the same subject).
    Pending,
    /// The endpoint answered 2xx.
    Succeeded,
    /// Given up after the retry schedule ran out (`redeliverWebhook` sends it again).
    Failed,
}

impl WebhookDeliveryState {
    fn stored(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    fn parse(stored: &str) -> Self {
        match stored {
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A URL that receives signed event deliveries (Standard Webhooks).
#[derive(Debug, Clone)]
pub struct WebhookEndpointNode(pub EndpointRecord);

/// A URL that receives signed event deliveries (Standard Webhooks: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature`).
#[Object(name = "WebhookEndpoint")]
impl WebhookEndpointNode {
    /// Global id.
    async fn id(&self) -> ID {
        to_id(Kind::WebhookEndpoint, self.0.id)
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The owner's note.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The event types it receives; empty: every type its owner may receive.
    async fn event_types(&self) -> &[String] {
        &self.0.event_types
    }
    /// Only events about this account (global id); null: every account its owner may read.
    async fn account_id(&self) -> Option<ID> {
        self.0.account_id.map(|a| to_id(Kind::Account, a))
    }
    /// False once disabled, by its owner or after failing for about three days.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// When it was disabled; null while enabled.
    async fn disabled_at(&self) -> Option<DateTimeScalar> {
        self.0.disabled_at.map(Into::into)
    }
    /// Why it was disabled; null while enabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// Since when every attempt has failed; null when the last attempt succeeded.
    async fn failing_since(&self) -> Option<DateTimeScalar> {
        self.0.failing_since.map(Into::into)
    }
    /// Until when the previous secret still signs, alongside the current one (after a
    /// rotation); null or past when only the current secret signs.
    async fn previous_secret_expires_at(&self) -> Option<DateTimeScalar> {
        self.0.previous_secret_until.map(Into::into)
    }
    /// Optimistic-concurrency version; `updateWebhookEndpoint` takes it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTimeScalar {
        self.0.updated_at.into()
    }
    /// Its delivery log, oldest first: one delivery per event, each with its attempts.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start of the list (or after `after`): 0 to 100. Without `first`, the first 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that item.")]
        after: Option<String>,
        #[graphql(desc = "Only the deliveries in this state.")] state: Option<WebhookDeliveryState>,
    ) -> Result<WebhookDeliveryConnection> {
        let st = super::context::state(ctx);
        let filter = state.map(|s| s.stored().to_owned());
        let page = st
            .store
            .webhook_deliveries_page(
                self.0.id,
                filter.as_deref(),
                &page_request::<WebhookDeliverySort>(first, after, None, None, Vec::new())?,
            )
            .await
            .gql()?;
        Ok(WebhookDeliveryConnection {
            page,
            query: (self.0.id, filter),
        })
    }
}

/// One event sent (or to be sent) to one endpoint.
#[derive(Debug, Clone)]
pub struct WebhookDeliveryNode(pub DeliveryRecord);

/// One event sent (or to be sent) to one endpoint, with every attempt.
#[Object(name = "WebhookDelivery")]
impl WebhookDeliveryNode {
    /// Global id (for `redeliverWebhook`).
    async fn id(&self) -> ID {
        to_id(Kind::WebhookDelivery, self.0.id)
    }
    /// The event's id: the `webhook-id` header, the same on every attempt.
    async fn event_id(&self) -> &str {
        &self.0.event_id
    }
    /// The event's type (`agreement.metric_breached`).
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Pending, succeeded or failed.
    async fn state(&self) -> WebhookDeliveryState {
        WebhookDeliveryState::parse(&self.0.state)
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due; null unless pending.
    async fn next_attempt_at(&self) -> Option<DateTimeScalar> {
        (self.0.state == "pending").then(|| self.0.next_attempt_at.into())
    }
    /// The HTTP status of the last answer; null if none came.
    async fn last_status(&self) -> Option<i32> {
        self.0.last_status
    }
    /// When the delivery was created (the event was published).
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
    /// When the endpoint acknowledged it (2xx); null otherwise.
    async fn delivered_at(&self) -> Option<DateTimeScalar> {
        self.0.delivered_at.map(Into::into)
    }
    /// Every attempt, oldest first.
    async fn attempt_log(&self) -> Vec<WebhookAttempt> {
        self.0
            .attempt_log
            .iter()
            .map(WebhookAttempt::from)
            .collect()
    }
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, SimpleObject)]
pub struct WebhookAttempt {
    /// 1 for the first attempt.
    attempt: i32,
    /// When it was made.
    at: DateTimeScalar,
    /// The HTTP status; null when no answer came (refused destination, timeout, connection
    /// error).
    status: Option<i32>,
    /// How long it took, in milliseconds.
    latency_ms: i32,
    /// Why it failed, if it did: refused destination, timeout, redirect, connection error.
    error: Option<String>,
    /// The start of the answer's body (at most 1,024 characters).
    response_excerpt: Option<String>,
    /// Asked for with `redeliverWebhook`.
    manual: bool,
}

impl From<&AttemptRecord> for WebhookAttempt {
    fn from(a: &AttemptRecord) -> Self {
        Self {
            attempt: a.attempt,
            at: a.at.into(),
            status: a.status,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
            response_excerpt: a.response_excerpt.clone(),
            manual: a.manual,
        }
    }
}

async fn count_endpoints(store: &Store, scope: ReadScope, _: &()) -> Result<u64, StoreError> {
    store.webhook_endpoints_count(scope).await
}

async fn count_deliveries(
    store: &Store,
    _: ReadScope,
    query: &(i64, Option<String>),
) -> Result<u64, StoreError> {
    // The endpoint was read in the caller's scope before its deliveries were listed.
    store
        .webhook_deliveries_count(query.0, query.1.as_deref())
        .await
}

connection!(
    WebhookEndpointConnection,
    WebhookEndpointEdge,
    WebhookEndpointNode,
    EndpointRecord,
    (),
    count_endpoints,
    super::prime::nothing
);

connection!(
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDeliveryNode,
    DeliveryRecord,
    (i64, Option<String>),
    count_deliveries,
    super::prime::nothing
);

/// Parses a webhook endpoint id from input field `field`.
pub(crate) fn endpoint_id(field: &str, id: &ID) -> Result<i64> {
    parse(Kind::WebhookEndpoint, field, id)
}

/// Parses a webhook delivery id from input field `field`.
pub(crate) fn delivery_id(field: &str, id: &ID) -> Result<i64> {
    parse(Kind::WebhookDelivery, field, id)
}

fn parse(kind: Kind, field: &str, id: &ID) -> Result<i64> {
    global_id::decode(kind, id.as_str())
        .ok_or_else(|| {
            crate::error::ApiError::bad_input(field, format!("is not a {} id", kind.name()))
        })
        .gql()
}

/// Webhook queries.
#[derive(Debug, Default)]
pub struct WebhookQueries;

#[Object]
impl WebhookQueries {
    /// The webhook endpoints the caller manages, oldest first: admins the staff's, a partner
    /// its own.
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start of the list (or after `after`): 0 to 100. Without `first`, the first 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that item.")]
        after: Option<String>,
    ) -> Result<WebhookEndpointConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(
                Action::ManageWebhooks,
                &Resource::Global,
                "webhook endpoint",
            )
            .gql()?;
        let page = st
            .store
            .webhook_endpoints_page(
                st.scope(),
                &page_request::<WebhookEndpointSort>(first, after, None, None, Vec::new())?,
            )
            .await
            .gql()?;
        Ok(WebhookEndpointConnection { page, query: () })
    }
}
