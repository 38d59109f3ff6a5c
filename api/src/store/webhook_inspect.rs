//! Claiming due webhook deliveries (with a lease), and reading endpoints, deliveries and
//! attempts as stored: what the dispatcher loads and what tests and operators inspect.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Set, Statement,
};

use super::entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use super::webhook_deliveries::{
    NewWebhookEndpoint, WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, placeholders,
};
use super::{Store, StoreError};

impl Store {
    /// Claims up to `limit` due deliveries under `lease` until `until`: pending, due, not
    /// leased (or the lease ran out), to an enabled endpoint, and the first pending one of its
    /// (endpoint, aggregate): an aggregate's events reach an endpoint in `seq` order.
    pub async fn claim_webhook_deliveries(
        &self,
        lease: &str,
        limit: u64,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WebhookDeliveryRow>, StoreError> {
        let backend = self.writer().get_database_backend();
        let lock = match backend {
            DbBackend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            _ => "",
        };
        let [u, b, n1, n2, l] = placeholders(backend);
        let statement = format!(
            "UPDATE webhook_deliveries SET leased_until = {u}, leased_by = {b} \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.state = 'pending' AND e.enabled AND d.next_attempt_at <= {n1} \
             AND (d.leased_until IS NULL OR d.leased_until < {n2}) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
               WHERE p.endpoint_id = d.endpoint_id AND p.aggregate_key = d.aggregate_key \
               AND p.state = 'pending' AND p.event_seq < d.event_seq) \
             ORDER BY d.next_attempt_at, d.id LIMIT {l}{lock}) RETURNING *"
        );
        let stmt = Statement::from_sql_and_values(
            backend,
            statement,
            [
                until.into(),
                lease.into(),
                now.into(),
                now.into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        );
        let mut rows = webhook_delivery::Entity::find()
            .from_raw_sql(stmt)
            .all(self.writer())
            .await?;
        rows.sort_by_key(|r| (r.next_attempt_at, r.id));
        Ok(rows)
    }

    /// These endpoints, by id.
    pub async fn webhook_endpoints_by_ids(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, WebhookEndpointRow>, StoreError> {
        Ok(webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(ids.iter().copied()))
            .all(self.writer())
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect())
    }

    /// Creates an endpoint as given and returns its id.
    pub async fn add_webhook_endpoint(&self, new: NewWebhookEndpoint) -> Result<i64, StoreError> {
        let types = serde_json::to_string(&new.event_types)
            .map_err(|e| StoreError::corrupt("webhook_endpoints", 0, e))?;
        let row = webhook_endpoint::ActiveModel {
            owner_member_id: Set(new.owner_member_id),
            partner_id: Set(new.partner_id),
            url: Set(new.url),
            description: Set(String::new()),
            event_types: Set(types),
            account_id: Set(new.account_id),
            secret: Set(new.secret),
            previous_secret: Set(None),
            previous_secret_until: Set(None),
            enabled: Set(true),
            disabled_at: Set(None),
            disabled_reason: Set(None),
            failing_since: Set(None),
            version: Set(1),
            created_by: Set(new.created_by),
            created_at: Set(new.now),
            updated_at: Set(new.now),
            ..Default::default()
        }
        .insert(self.writer())
        .await?;
        Ok(row.id)
    }

    /// The endpoint as stored.
    pub async fn webhook_endpoint(
        &self,
        id: i64,
    ) -> Result<Option<WebhookEndpointRow>, StoreError> {
        Ok(webhook_endpoint::Entity::find_by_id(id)
            .one(self.writer())
            .await?)
    }

    /// Every delivery of the endpoint, oldest first.
    pub async fn webhook_deliveries_of(
        &self,
        endpoint: i64,
    ) -> Result<Vec<WebhookDeliveryRow>, StoreError> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint))
            .order_by_asc(webhook_delivery::Column::Id)
            .all(self.writer())
            .await?)
    }

    /// Every attempt of the delivery, oldest first.
    pub async fn webhook_attempts_of(
        &self,
        delivery: i64,
    ) -> Result<Vec<WebhookAttemptRow>, StoreError> {
        Ok(webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.eq(delivery))
            .order_by_asc(webhook_attempt::Column::Id)
            .all(self.writer())
            .await?)
    }

    /// Enables the endpoint again (its pending deliveries resume) and forgets its failures.
    pub async fn enable_webhook_endpoint(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::Enabled, Expr::value(true))
            .col_expr(
                webhook_endpoint::Column::DisabledAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .exec(self.writer())
            .await?;
        Ok(())
    }
}
