//! The outbox's read side: what the event relay publishes, what subscriptions follow, what
//! is pruned.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entity::{agreement, contact, outbox};
use super::{Store, StoreError, Tx};
use crate::events::{Actor, ActorKind, Event};
use crate::global_id::Kind;

impl Tx {
    /// The account an event's aggregate belongs to (an account is its own), read inside the
    /// change's transaction so the event records the account as it was then.
    pub async fn account_of_aggregate(
        &self,
        entity_type: &str,
        id: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(match entity_type {
            "Account" => Some(id),
            "Contact" => {
                contact::Entity::find_by_id(id)
                    .select_only()
                    .column(contact::Column::AccountId)
                    .into_tuple::<i64>()
                    .one(&self.inner)
                    .await?
            }
            "Agreement" => {
                agreement::Entity::find_by_id(id)
                    .select_only()
                    .column(agreement::Column::AccountId)
                    .into_tuple::<i64>()
                    .one(&self.inner)
                    .await?
            }
            _ => None,
        })
    }
}

impl Store {
    /// Published events after `seq`, in publication order (subscriptions follow these).
    pub async fn published_after(&self, seq: i64, limit: u64) -> Result<Vec<Event>, StoreError> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Seq.gt(seq))
            .order_by_asc(outbox::Column::Seq)
            .limit(limit)
            .all(self.reader())
            .await?;
        rows.into_iter().map(event_of).collect()
    }

    /// The highest published `seq` (0 when nothing is published): where a new follower
    /// starts.
    pub async fn last_published_seq(&self) -> Result<i64, StoreError> {
        let max: Option<Option<i64>> = outbox::Entity::find()
            .select_only()
            .column_as(outbox::Column::Seq.max(), "max")
            .into_tuple()
            .one(self.reader())
            .await?;
        Ok(max.flatten().unwrap_or(0))
    }
}

/// A published outbox row as the event the outlets see.
pub(super) fn event_of(row: outbox::Model) -> Result<Event, StoreError> {
    let aggregate_kind = Kind::parse_name(&row.entity_type).ok_or_else(|| {
        StoreError::corrupt(
            "outbox",
            row.id,
            format!("unknown entity type `{}`", row.entity_type),
        )
    })?;
    let aggregate_id = row
        .entity_id
        .parse::<i64>()
        .map_err(|_| StoreError::corrupt("outbox", row.id, "non-numeric entity id"))?;
    let data = serde_json::from_str(&row.payload)
        .map_err(|e| StoreError::corrupt("outbox", row.id, format!("unreadable payload: {e}")))?;
    let kind = ActorKind::parse(row.actor_kind.as_deref());
    Ok(Event {
        seq: row.seq.unwrap_or(0),
        id: row.event_id.unwrap_or_else(|| format!("evt_{}", row.id)),
        event_type: row.event_type,
        version: row.version,
        at: row.at,
        actor: Actor {
            kind,
            id: row.actor_id,
            subject: row.actor_subject.unwrap_or_default(),
            name: row.actor_name.unwrap_or_else(|| "Rapport".to_owned()),
        },
        aggregate_kind,
        aggregate_id,
        account_id: row.account_id,
        data,
    })
}
