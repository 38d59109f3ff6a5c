//! The delivery log of a webhook endpoint (deliveries with their attempts) and manual
//! redelivery. The endpoint is always read first in the caller's scope
//! (`webhook_endpoints.rs`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::entity::{webhook_attempt, webhook_delivery};
use super::page::fetch_page;
use super::webhook_endpoints::EndpointRecord;
use super::{Page, PageRequest, Store, StoreError, Tx, WebhookDeliverySort};
use crate::auth::ReadScope;

/// One delivery of an event to an endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Raw id.
    pub id: i64,
    /// The endpoint.
    pub endpoint_id: i64,
    /// The event's id (`webhook-id`).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: DateTime<Utc>,
    /// The status of the last answer.
    pub last_status: Option<i32>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the endpoint acknowledged it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// A manual redelivery waits.
    pub manual_requested: bool,
    /// The attempts, oldest first.
    pub attempt_log: Vec<AttemptRecord>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// 1 for the first.
    pub attempt: i32,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The HTTP status, when an answer came.
    pub status: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// The start of the answer's body.
    pub response_excerpt: Option<String>,
    /// Asked for by the owner (`redeliverWebhook`).
    pub manual: bool,
}

fn delivery(row: webhook_delivery::Model, attempt_log: Vec<AttemptRecord>) -> DeliveryRecord {
    DeliveryRecord {
        id: row.id,
        endpoint_id: row.endpoint_id,
        event_id: row.event_id,
        event_type: row.event_type,
        state: row.state,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        last_status: row.last_status,
        created_at: row.created_at,
        delivered_at: row.delivered_at,
        manual_requested: row.manual_requested,
        attempt_log,
    }
}

impl Store {
    /// One page of an endpoint's deliveries, oldest first (id order), optionally
    /// in one state, each with its attempts (one more query for the whole page).
    pub async fn webhook_deliveries_page(
        &self,
        endpoint_id: i64,
        state: Option<&str>,
        page: &PageRequest<WebhookDeliverySort>,
    ) -> Result<Page<DeliveryRecord>, StoreError> {
        let mut select = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
        if let Some(state) = state {
            select = select.filter(webhook_delivery::Column::State.eq(state));
        }
        let page = fetch_page(self.reader(), select, webhook_delivery::Column::Id, page).await?;
        let ids: Vec<i64> = page.items.iter().map(|d| d.id).collect();
        let mut logs: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
        if !ids.is_empty() {
            for a in webhook_attempt::Entity::find()
                .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
                .order_by_asc(webhook_attempt::Column::Id)
                .all(self.reader())
                .await?
            {
                logs.entry(a.delivery_id).or_default().push(AttemptRecord {
                    attempt: a.attempt,
                    at: a.at,
                    status: a.status,
                    latency_ms: a.latency_ms,
                    error: a.error,
                    response_excerpt: a.response_excerpt,
                    manual: a.manual,
                });
            }
        }
        page.try_map(|d| {
            let log = logs.remove(&d.id).unwrap_or_default();
            Ok::<_, StoreError>(delivery(d, log))
        })
    }

    /// How many deliveries an endpoint has (in one state).
    pub async fn webhook_deliveries_count(
        &self,
        endpoint_id: i64,
        state: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut select = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
        if let Some(state) = state {
            select = select.filter(webhook_delivery::Column::State.eq(state));
        }
        Ok(select.count(self.reader()).await?)
    }
}

impl Tx {
    /// A delivery of an endpoint `scope` manages.
    pub async fn load_webhook_delivery(
        &self,
        scope: ReadScope,
        id: i64,
    ) -> Result<Option<(DeliveryRecord, EndpointRecord)>, StoreError> {
        let Some(row) = webhook_delivery::Entity::find_by_id(id)
            .one(&self.inner)
            .await?
        else {
            return Ok(None);
        };
        let Some(endpoint) = self.load_webhook_endpoint(scope, row.endpoint_id).await? else {
            return Ok(None);
        };
        Ok(Some((delivery(row, Vec::new()), endpoint)))
    }

    /// Whether this attempt of a delivery was asked for by its owner (`redeliverWebhook`):
    /// reads and clears the mark in one statement. The dispatcher calls it as it logs the
    /// attempt (`webhook_attempts.manual`).
    pub async fn take_manual_request(&self, delivery_id: i64) -> Result<bool, StoreError> {
        let result = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::ManualRequested,
                Expr::value(false),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery_id))
            .filter(webhook_delivery::Column::ManualRequested.eq(true))
            .exec(&self.inner)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Sets a delivery pending, due `now`, unleased, its next attempt marked manual.
    pub async fn request_redelivery(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::State, Expr::value("pending"))
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
            .col_expr(
                webhook_delivery::Column::LeasedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                webhook_delivery::Column::LeasedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(webhook_delivery::Column::ManualRequested, Expr::value(true))
            .filter(webhook_delivery::Column::Id.eq(id))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "webhook_log_tests.rs"]
mod tests;
