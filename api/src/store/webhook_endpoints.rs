//! Webhook endpoints as their owners manage them (GraphQL), and their delivery logs. An
//! endpoint belongs to the staff (`partner_id` NULL, managed by admins) or to one partner;
//! every read here takes the caller's [`ReadScope`], so another owner's endpoint is absent.
//! Delivery logs and redelivery are in `webhook_log.rs`.

use std::fmt;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use super::entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use super::page::fetch_page;
use super::{Page, PageRequest, Store, StoreError, Tx, WebhookEndpointSort};
use crate::auth::ReadScope;

/// An endpoint without its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    /// Raw id.
    pub id: i64,
    /// The member who registered a staff endpoint.
    pub owner_member_id: Option<i64>,
    /// The partner that owns a partner endpoint.
    pub partner_id: Option<i64>,
    /// Where requests go.
    pub url: String,
    /// The owner's note.
    pub description: String,
    /// The event types it receives (empty: every type its owner may receive).
    pub event_types: Vec<String>,
    /// Only events about this account.
    pub account_id: Option<i64>,
    /// Until when the previous secret still signs (after a rotation).
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// False once disabled (by its owner, or after failing too long).
    pub enabled: bool,
    /// When it was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Since when every attempt failed.
    pub failing_since: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// The subject of who registered it.
    pub created_by: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn record(row: webhook_endpoint::Model) -> Result<EndpointRecord, StoreError> {
    let event_types: Vec<String> = serde_json::from_str(&row.event_types)
        .map_err(|e| StoreError::corrupt("webhook_endpoints", row.id, e))?;
    Ok(EndpointRecord {
        id: row.id,
        owner_member_id: row.owner_member_id,
        partner_id: row.partner_id,
        url: row.url,
        description: row.description,
        event_types,
        account_id: row.account_id,
        previous_secret_until: row.previous_secret_until,
        enabled: row.enabled,
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        version: row.version,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A new endpoint (its input checked by the service).
#[derive(Clone)]
pub struct EndpointInsert {
    /// The registering member (staff endpoints).
    pub owner_member_id: Option<i64>,
    /// The owning partner (partner endpoints).
    pub partner_id: Option<i64>,
    /// Where requests go.
    pub url: String,
    /// A note.
    pub description: String,
    /// Event types.
    pub event_types: Vec<String>,
    /// Account filter.
    pub account_id: Option<i64>,
    /// The signing secret.
    pub secret: String,
    /// Who registers it.
    pub created_by: String,
}

impl fmt::Debug for EndpointInsert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointInsert")
            .field("url", &self.url)
            .field("partner_id", &self.partner_id)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The changeable fields of an endpoint, as they are to be saved.
#[derive(Debug, Clone)]
pub struct EndpointEdit {
    /// Where requests go.
    pub url: String,
    /// A note.
    pub description: String,
    /// Event types.
    pub event_types: Vec<String>,
    /// Account filter.
    pub account_id: Option<i64>,
    /// Enabled.
    pub enabled: bool,
    /// Clear the disabled and failing state (re-enabling).
    pub clear_failing: bool,
}

/// The secrets of a stored endpoint that sign at `now`: current first, then the previous one
/// until `previous_secret_until`.
pub fn signing_secrets(row: &webhook_endpoint::Model, now: DateTime<Utc>) -> Vec<String> {
    let mut secrets = vec![row.secret.clone()];
    if let (Some(previous), Some(until)) = (&row.previous_secret, row.previous_secret_until)
        && until > now
    {
        secrets.push(previous.clone());
    }
    secrets
}

/// The endpoints a scope manages: a partner its own, staff the staff's.
fn owned(scope: ReadScope) -> Condition {
    match scope.partner() {
        Some(p) => Condition::all().add(webhook_endpoint::Column::PartnerId.eq(p.get())),
        None => Condition::all().add(webhook_endpoint::Column::PartnerId.is_null()),
    }
}

impl Store {
    /// One page of the endpoints `scope` manages.
    pub async fn webhook_endpoints_page(
        &self,
        scope: ReadScope,
        page: &PageRequest<WebhookEndpointSort>,
    ) -> Result<Page<EndpointRecord>, StoreError> {
        let select = webhook_endpoint::Entity::find().filter(owned(scope));
        fetch_page(self.reader(), select, webhook_endpoint::Column::Id, page)
            .await?
            .try_map(record)
    }

    /// How many endpoints `scope` manages.
    pub async fn webhook_endpoints_count(&self, scope: ReadScope) -> Result<u64, StoreError> {
        Ok(webhook_endpoint::Entity::find()
            .filter(owned(scope))
            .count(self.reader())
            .await?)
    }

    /// One endpoint `scope` manages.
    pub async fn webhook_endpoint_in(
        &self,
        scope: ReadScope,
        id: i64,
    ) -> Result<Option<EndpointRecord>, StoreError> {
        webhook_endpoint::Entity::find_by_id(id)
            .filter(owned(scope))
            .one(self.reader())
            .await?
            .map(record)
            .transpose()
    }

    /// The secrets that sign an endpoint's requests at `now`: the current one, then the
    /// previous one while its rotation overlap lasts (the dispatcher signs with every one).
    pub async fn webhook_signing_secrets(
        &self,
        endpoint_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let Some(row) = webhook_endpoint::Entity::find_by_id(endpoint_id)
            .one(self.reader())
            .await?
        else {
            return Ok(Vec::new());
        };
        Ok(signing_secrets(&row, now))
    }
}

impl Tx {
    /// Registers an endpoint, enabled, at version 1.
    pub async fn insert_webhook_endpoint(
        &self,
        new: EndpointInsert,
        now: DateTime<Utc>,
    ) -> Result<EndpointRecord, StoreError> {
        let row = webhook_endpoint::ActiveModel {
            owner_member_id: Set(new.owner_member_id),
            partner_id: Set(new.partner_id),
            url: Set(new.url),
            description: Set(new.description),
            event_types: Set(serde_json::to_string(&new.event_types)
                .map_err(|e| StoreError::corrupt("webhook_endpoints", 0, e))?),
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
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        record(row)
    }

    /// An endpoint `scope` manages, read for change.
    pub async fn load_webhook_endpoint(
        &self,
        scope: ReadScope,
        id: i64,
    ) -> Result<Option<EndpointRecord>, StoreError> {
        webhook_endpoint::Entity::find_by_id(id)
            .filter(owned(scope))
            .one(&self.inner)
            .await?
            .map(record)
            .transpose()
    }

    async fn bump(
        &self,
        id: i64,
        expected_version: i32,
        update: sea_orm::UpdateMany<webhook_endpoint::Entity>,
        now: DateTime<Utc>,
    ) -> Result<EndpointRecord, StoreError> {
        let result = update
            .col_expr(
                webhook_endpoint::Column::Version,
                Expr::value(expected_version + 1),
            )
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::Version.eq(expected_version))
            .exec(&self.inner)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        let row = webhook_endpoint::Entity::find_by_id(id)
            .one(&self.inner)
            .await?
            .ok_or(StoreError::Conflict {
                expected: expected_version,
            })?;
        record(row)
    }

    /// Saves an endpoint's changed fields if nobody saved it since `expected_version`.
    pub async fn save_webhook_endpoint(
        &self,
        id: i64,
        expected_version: i32,
        edit: EndpointEdit,
        now: DateTime<Utc>,
    ) -> Result<EndpointRecord, StoreError> {
        let types = serde_json::to_string(&edit.event_types)
            .map_err(|e| StoreError::corrupt("webhook_endpoints", id, e))?;
        let mut update = webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::Url, Expr::value(edit.url))
            .col_expr(
                webhook_endpoint::Column::Description,
                Expr::value(edit.description),
            )
            .col_expr(webhook_endpoint::Column::EventTypes, Expr::value(types))
            .col_expr(
                webhook_endpoint::Column::AccountId,
                Expr::value(edit.account_id),
            )
            .col_expr(webhook_endpoint::Column::Enabled, Expr::value(edit.enabled));
        if !edit.enabled {
            update = update
                .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(Some(now)))
                .col_expr(
                    webhook_endpoint::Column::DisabledReason,
                    Expr::value(Some("disabled by its owner")),
                );
        } else if edit.clear_failing {
            update = update
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
                );
        }
        self.bump(id, expected_version, update, now).await
    }

    /// Rotates the secret: the current one becomes the previous one, signing until
    /// `previous_until`.
    pub async fn rotate_webhook_secret(
        &self,
        id: i64,
        expected_version: i32,
        new_secret: String,
        previous_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<EndpointRecord, StoreError> {
        let update = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::PreviousSecret,
                Expr::col(webhook_endpoint::Column::Secret),
            )
            .col_expr(webhook_endpoint::Column::Secret, Expr::value(new_secret))
            .col_expr(
                webhook_endpoint::Column::PreviousSecretUntil,
                Expr::value(Some(previous_until)),
            );
        self.bump(id, expected_version, update, now).await
    }

    /// Deletes an endpoint (its deliveries and attempts with it).
    pub async fn delete_webhook_endpoint(&self, id: i64) -> Result<(), StoreError> {
        webhook_attempt::Entity::delete_many()
            .filter(webhook_attempt::Column::EndpointId.eq(id))
            .exec(&self.inner)
            .await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::EndpointId.eq(id))
            .exec(&self.inner)
            .await?;
        webhook_endpoint::Entity::delete_by_id(id)
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}
