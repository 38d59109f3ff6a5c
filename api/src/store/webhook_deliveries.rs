//! Outbound webhook deliveries over the database: the fan-out's reads and inserts, the
//! dispatcher's claim (a lease; PostgreSQL: `FOR UPDATE SKIP LOCKED`) and its outcomes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::role::Role;
use sea_orm::sea_query::{Expr, ExprTrait, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entity::{account, team_member, webhook_attempt, webhook_delivery, webhook_endpoint};
use super::{StoreError, Tx};

/// A webhook endpoint as stored.
pub type WebhookEndpointRow = webhook_endpoint::Model;
/// A webhook delivery as stored.
pub type WebhookDeliveryRow = webhook_delivery::Model;
/// One attempt of a delivery as stored.
pub type WebhookAttemptRow = webhook_attempt::Model;

/// The states of a delivery.
pub mod delivery_state {
    /// A delivery still to make.
    pub const PENDING: &str = "pending";
    /// A delivery the endpoint acknowledged (2xx).
    pub const SUCCEEDED: &str = "succeeded";
    /// A delivery given up after the retry schedule ran out.
    pub const FAILED: &str = "failed";
}
use delivery_state::PENDING;

/// A delivery the fan-out creates.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The endpoint.
    pub endpoint_id: i64,
    /// The event's stable id.
    pub event_id: String,
    /// The event's publication order.
    pub event_seq: i64,
    /// The event type.
    pub event_type: String,
    /// `Kind:id` of the event's aggregate.
    pub aggregate_key: String,
    /// The body, as the endpoint's owner may read the event.
    pub body: String,
    /// When it was created (and first due).
    pub now: DateTime<Utc>,
}

/// One attempt for the delivery log.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    /// The delivery.
    pub delivery_id: i64,
    /// Its endpoint.
    pub endpoint_id: i64,
    /// 1 for the first attempt.
    pub attempt: i32,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long it took.
    pub latency_ms: u32,
    /// Why it failed without a status.
    pub error: Option<String>,
    /// The start of the response body.
    pub response_excerpt: Option<String>,
    /// Sent by a manual redelivery.
    pub manual: bool,
}

/// A webhook endpoint to create directly (operators' tooling and tests; the GraphQL mutations
/// check their input first).
#[derive(Debug, Clone)]
pub struct NewWebhookEndpoint {
    /// The admin that owns it (staff endpoints).
    pub owner_member_id: Option<i64>,
    /// The partner that owns it (partner endpoints).
    pub partner_id: Option<i64>,
    /// Where requests go.
    pub url: String,
    /// Event types (empty: all).
    pub event_types: Vec<String>,
    /// Only events about this account.
    pub account_id: Option<i64>,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    /// Who created it (a token subject).
    pub created_by: String,
    /// When.
    pub now: DateTime<Utc>,
}

/// `N` bind placeholders of `backend`, in order: `$1, $2, …` on PostgreSQL, `?` on SQLite.
pub(super) fn placeholders<const N: usize>(backend: DbBackend) -> [String; N] {
    std::array::from_fn(|i| {
        if backend == DbBackend::Postgres {
            format!("${}", i + 1)
        } else {
            "?".to_owned()
        }
    })
}

impl Tx {
    /// Every enabled webhook endpoint.
    pub async fn enabled_webhook_endpoints(&self) -> Result<Vec<WebhookEndpointRow>, StoreError> {
        Ok(webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .order_by_asc(webhook_endpoint::Column::Id)
            .all(&self.inner)
            .await?)
    }

    /// The referring partner of each of these accounts (`None`: none), by account id.
    pub async fn partners_of_accounts(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Option<i64>>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, Option<i64>)> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .column(account::Column::PartnerId)
            .filter(account::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.inner)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The current role of each of these members that is still active, by member id.
    pub async fn active_member_roles(&self, ids: &[i64]) -> Result<HashMap<i64, Role>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, String)> = team_member::Entity::find()
            .select_only()
            .column(team_member::Column::Id)
            .column(team_member::Column::Role)
            .filter(team_member::Column::Id.is_in(ids.iter().copied()))
            .filter(team_member::Column::Active.eq(true))
            .into_tuple()
            .all(&self.inner)
            .await?;
        rows.into_iter()
            .map(|(id, role)| {
                Role::parse(&role)
                    .map(|role| (id, role))
                    .map_err(|e| StoreError::corrupt("team_members", id, e))
            })
            .collect()
    }

    /// Inserts these deliveries, skipping any (endpoint, event) pair that already has one:
    /// publishing a batch again creates nothing twice.
    pub async fn insert_webhook_deliveries(
        &self,
        deliveries: Vec<NewDelivery>,
    ) -> Result<(), StoreError> {
        let rows = deliveries
            .into_iter()
            .map(|d| webhook_delivery::ActiveModel {
                endpoint_id: Set(d.endpoint_id),
                event_id: Set(d.event_id),
                event_seq: Set(d.event_seq),
                event_type: Set(d.event_type),
                aggregate_key: Set(d.aggregate_key),
                body: Set(d.body),
                state: Set(PENDING.to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(d.now),
                leased_until: Set(None),
                leased_by: Set(None),
                last_status: Set(None),
                last_error: Set(None),
                created_at: Set(d.now),
                delivered_at: Set(None),
                ..Default::default()
            });
        let rows: Vec<_> = rows.collect();
        for chunk in rows.chunks(200) {
            webhook_delivery::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        webhook_delivery::Column::EndpointId,
                        webhook_delivery::Column::EventId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&self.inner)
                .await?;
        }
        Ok(())
    }

    /// Appends attempts to the delivery log.
    pub async fn log_webhook_attempts(&self, attempts: Vec<NewAttempt>) -> Result<(), StoreError> {
        let rows: Vec<webhook_attempt::ActiveModel> = attempts
            .into_iter()
            .map(|a| webhook_attempt::ActiveModel {
                delivery_id: Set(a.delivery_id),
                endpoint_id: Set(a.endpoint_id),
                attempt: Set(a.attempt),
                at: Set(a.at),
                status: Set(a.status.map(i32::from)),
                latency_ms: Set(i32::try_from(a.latency_ms).unwrap_or(i32::MAX)),
                error: Set(a.error.as_deref().map(|e| truncate(e, 500))),
                response_excerpt: Set(a.response_excerpt.as_deref().map(|e| truncate(e, 1024))),
                manual: Set(a.manual),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(200) {
            webhook_attempt::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&self.inner)
                .await?;
        }
        Ok(())
    }

    /// Marks these deliveries succeeded (answered `status`) and releases their leases, those
    /// still pending under `lease`; answers their ids.
    pub async fn settle_succeeded(
        &self,
        ids: &[i64],
        lease: &str,
        status: Option<u16>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let updated = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_delivery::Column::State,
                Expr::value(delivery_state::SUCCEEDED),
            )
            .col_expr(
                webhook_delivery::Column::LeasedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                webhook_delivery::Column::LeasedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_delivery::Column::LastStatus,
                Expr::value(status.map(i32::from)),
            )
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value(Some(now)),
            )
            .filter(webhook_delivery::Column::Id.is_in(ids.iter().copied()))
            .filter(webhook_delivery::Column::LeasedBy.eq(lease))
            .filter(webhook_delivery::Column::State.eq(PENDING))
            .exec_with_returning(&self.inner)
            .await?;
        Ok(updated.into_iter().map(|d| d.id).collect())
    }

    /// Records the outcome of an attempt on the delivery and releases its lease, if the
    /// delivery is still pending under `lease` (answers whether it was): `state` is `pending`
    /// (retry at `next_attempt_at`), `succeeded` or `failed`.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_delivery(
        &self,
        id: i64,
        lease: &str,
        attempts: i32,
        state: &str,
        next_attempt_at: DateTime<Utc>,
        status: Option<u16>,
        error: Option<&str>,
        delivered_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let updated = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
            .col_expr(webhook_delivery::Column::State, Expr::value(state))
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(next_attempt_at),
            )
            .col_expr(
                webhook_delivery::Column::LeasedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                webhook_delivery::Column::LeasedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_delivery::Column::LastStatus,
                Expr::value(status.map(i32::from)),
            )
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(error.map(|e| truncate(e, 500))),
            )
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value(delivered_at),
            )
            .filter(webhook_delivery::Column::Id.eq(id))
            .filter(webhook_delivery::Column::LeasedBy.eq(lease))
            .filter(webhook_delivery::Column::State.eq(PENDING))
            .exec(&self.inner)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// The endpoint, locked until the transaction ends on PostgreSQL (SQLite's write
    /// transaction already excludes every other writer). `FOR NO KEY UPDATE`: it excludes other
    /// dispatchers recording outcomes for the endpoint, but not the relay's fan-out, whose
    /// delivery inserts only hold the key share their foreign key takes — publication never
    /// waits for a dispatcher.
    pub async fn lock_webhook_endpoint(
        &self,
        id: i64,
    ) -> Result<Option<WebhookEndpointRow>, StoreError> {
        let mut query = webhook_endpoint::Entity::find_by_id(id);
        if self.inner.get_database_backend() == DbBackend::Postgres {
            query = query.lock(LockType::NoKeyUpdate);
        }
        Ok(query.one(&self.inner).await?)
    }

    /// Sets when the endpoint started failing (`None`: it answers again).
    pub async fn set_endpoint_failing_since(
        &self,
        id: i64,
        since: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(since))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .exec(&self.inner)
            .await?;
        Ok(())
    }

    /// Disables the endpoint for `reason`; its pending deliveries wait for it to be enabled
    /// again.
    pub async fn disable_webhook_endpoint(
        &self,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
            .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(Some(now)))
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(Some(truncate(reason, 500))),
            )
            .col_expr(
                webhook_endpoint::Column::Version,
                Expr::col(webhook_endpoint::Column::Version).add(1),
            )
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}

fn truncate(text: &str, max: usize) -> String {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
