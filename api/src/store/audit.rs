use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::Value;

use super::entity::{audit_log, outbox};
use super::page::fetch_page;
use super::{AuditSort, Page, PageRequest, Store, StoreError, Tx};
use crate::auth::ReadScope;

/// One audit row to write: who did what to which entity, with before and after snapshots.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Subject of the caller.
    pub actor: String,
    /// The mutation (`promoteToClient`).
    pub action: &'static str,
    /// Entity type (`Account`).
    pub entity_type: &'static str,
    /// Entity id (raw).
    pub entity_id: i64,
    /// Snapshot before, if the entity existed.
    pub before: Option<Value>,
    /// Snapshot after, if the entity still exists.
    pub after: Option<Value>,
    /// The request that made the change.
    pub request_id: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An audit row as read back.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Row id (keyset cursor).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Subject of the caller.
    pub actor: String,
    /// The mutation.
    pub action: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id (raw).
    pub entity_id: String,
    /// Snapshot before, as JSON text.
    pub before: Option<String>,
    /// Snapshot after, as JSON text.
    pub after: Option<String>,
    /// The request that made the change.
    pub request_id: String,
}

/// Which audit rows a list shows.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this entity type.
    pub entity_type: Option<String>,
    /// Only this entity id (raw).
    pub entity_id: Option<String>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only changes made on a day of this window (UTC).
    pub at: super::filters::DateWindow,
    /// Two parts of the filter cannot both hold (an id of another type than
    /// `entityType`): nothing matches, and `totalCount` says 0.
    pub contradiction: bool,
}

impl AuditQuery {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if self.contradiction {
            return super::filters::nothing();
        }
        if let Some(t) = &self.entity_type {
            cond = cond.add(audit_log::Column::EntityType.eq(t.clone()));
        }
        if let Some(id) = &self.entity_id {
            cond = cond.add(audit_log::Column::EntityId.eq(id.clone()));
        }
        if let Some(a) = &self.actor {
            cond = cond.add(audit_log::Column::Actor.eq(a.clone()));
        }
        if let Some(a) = &self.action {
            cond = cond.add(audit_log::Column::Action.eq(a.clone()));
        }
        cond.add(self.at.on_instant(audit_log::Column::At))
    }
}

/// One outbox event to write.
#[derive(Debug, Clone)]
pub struct OutboxRecord {
    /// Event type (`account.promoted`).
    pub event_type: &'static str,
    /// Entity type.
    pub entity_type: &'static str,
    /// Entity id (raw).
    pub entity_id: String,
    /// Event payload (the `data` of the event as an admin reads it).
    pub payload: Value,
    /// When.
    pub at: DateTime<Utc>,
    /// The event's stable id (`evt_…`).
    pub event_id: String,
    /// The version of the event type's payload.
    pub version: i32,
    /// Who caused it: `staff`, `partner` or `system`.
    pub actor_kind: &'static str,
    /// The team member or partner (raw id); `None` for the system.
    pub actor_id: Option<i64>,
    /// The caller's token subject.
    pub actor_subject: String,
    /// The account the event is about, when it is about one.
    pub account_id: Option<i64>,
}

impl Store {
    /// One page of audit rows; a partner's scope reads none.
    pub async fn audit_page(
        &self,
        scope: ReadScope,
        query: &AuditQuery,
        page: &PageRequest<AuditSort>,
    ) -> Result<Page<AuditEntry>, StoreError> {
        if !super::scope::reads_staff_rows(scope) {
            return Ok(Page::empty());
        }
        let select = audit_log::Entity::find().filter(query.condition());
        let page = fetch_page(self.reader(), select, audit_log::Column::Id, page).await?;
        page.try_map(|r| {
            Ok::<_, StoreError>(AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                before: r.before,
                after: r.after,
                request_id: r.request_id,
            })
        })
    }

    /// How many audit rows match (none in a partner's scope).
    pub async fn audit_count(
        &self,
        scope: ReadScope,
        query: &AuditQuery,
    ) -> Result<u64, StoreError> {
        if !super::scope::reads_staff_rows(scope) {
            return Ok(0);
        }
        Ok(audit_log::Entity::find()
            .filter(query.condition())
            .count(self.reader())
            .await?)
    }

    /// Outbox event types for an entity, oldest first (for tests and operators).
    pub async fn outbox_events_for(
        &self,
        entity_type: &str,
        entity_id: i64,
    ) -> Result<Vec<String>, StoreError> {
        use sea_orm::QueryOrder;
        Ok(outbox::Entity::find()
            .filter(outbox::Column::EntityType.eq(entity_type))
            .filter(outbox::Column::EntityId.eq(entity_id.to_string()))
            .order_by_asc(outbox::Column::Id)
            .all(self.reader())
            .await?
            .into_iter()
            .map(|r| r.event_type)
            .collect())
    }
}

impl Tx {
    /// Appends an audit row.
    pub async fn audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        let Some(record) = self.defer_audit(record) else {
            return Ok(());
        };
        audit_row(record).insert(&self.inner).await?;
        Ok(())
    }

    /// Appends an outbox event about aggregate `entity_type` `id`, with the account it belongs
    /// to (looked up now, or with the others at the flush of a deferring transaction).
    pub async fn outbox_of_aggregate(
        &self,
        entity_type: &'static str,
        id: i64,
        record: OutboxRecord,
    ) -> Result<(), StoreError> {
        let Some(mut record) = self.defer_event(record, (entity_type, id)) else {
            return Ok(());
        };
        record.account_id = self.account_of_aggregate(entity_type, id).await?;
        self.outbox(record).await
    }

    /// Appends an outbox event.
    pub async fn outbox(&self, record: OutboxRecord) -> Result<(), StoreError> {
        let account_id = record.account_id;
        outbox_row(record, account_id).insert(&self.inner).await?;
        Ok(())
    }

    /// Erasure reaches history too: snapshots of the entity in the audit log and payloads in
    /// the outbox are replaced by a marker, keeping who did what and when.
    pub async fn scrub_history(&self, entity_type: &str, entity_id: i64) -> Result<(), StoreError> {
        let marker = r#"{"erased":true}"#;
        audit_log::Entity::update_many()
            .col_expr(audit_log::Column::Before, Expr::value(Some(marker)))
            .col_expr(audit_log::Column::After, Expr::value(Some(marker)))
            .filter(audit_log::Column::EntityType.eq(entity_type))
            .filter(audit_log::Column::EntityId.eq(entity_id.to_string()))
            .exec(&self.inner)
            .await?;
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Payload, Expr::value(marker))
            .filter(outbox::Column::EntityType.eq(entity_type))
            .filter(outbox::Column::EntityId.eq(entity_id.to_string()))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}

/// The outbox row of an event about account `account_id` (unpublished, not yet sequenced).
pub(super) fn outbox_row(record: OutboxRecord, account_id: Option<i64>) -> outbox::ActiveModel {
    outbox::ActiveModel {
        at: Set(record.at),
        event_type: Set(record.event_type.to_owned()),
        entity_type: Set(record.entity_type.to_owned()),
        entity_id: Set(record.entity_id),
        payload: Set(record.payload.to_string()),
        published_at: Set(None),
        event_id: Set(Some(record.event_id)),
        version: Set(record.version),
        actor_kind: Set(Some(record.actor_kind.to_owned())),
        actor_id: Set(record.actor_id),
        actor_subject: Set(Some(record.actor_subject)),
        actor_name: Set(None),
        account_id: Set(account_id),
        seq: Set(None),
        ..Default::default()
    }
}

/// The row of an audit record.
pub(super) fn audit_row(record: AuditRecord) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        at: Set(record.at),
        actor: Set(record.actor),
        action: Set(record.action.to_owned()),
        entity_type: Set(record.entity_type.to_owned()),
        entity_id: Set(record.entity_id.to_string()),
        before: Set(record.before.map(|v| v.to_string())),
        after: Set(record.after.map(|v| v.to_string())),
        request_id: Set(record.request_id),
        ..Default::default()
    }
}
