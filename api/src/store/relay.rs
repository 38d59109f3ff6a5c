//! The relay's side of the outbox: publishing the next batch (ordering, display names) and
//! pruning what was published long ago.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};

use super::entity::{outbox, partner, team_member, webhook_attempt, webhook_delivery};
use super::outbox::event_of;
use super::{Store, StoreError, Tx};
use crate::events::Event;

/// The key of the PostgreSQL advisory lock every publishing transaction takes: one relay
/// publishes at a time across the fleet, so `seq` grows in publication order.
const PUBLISH_LOCK_KEY: i64 = 0x5261_7070_6f72_7401; // "Rapport" + 1

/// The display name of the system actor.
const SYSTEM_NAME: &str = "Rapport";

impl Tx {
    /// Serialises publication: on PostgreSQL takes the publishing advisory lock until this
    /// transaction ends; on SQLite the write transaction (`BEGIN IMMEDIATE`) already holds the
    /// database's single write lock.
    pub async fn lock_publication(&self) -> Result<(), StoreError> {
        if self.inner.get_database_backend() == DbBackend::Postgres {
            self.inner
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock($1)",
                    [PUBLISH_LOCK_KEY.into()],
                ))
                .await?;
        }
        Ok(())
    }

    /// Publishes up to `limit` unpublished events (oldest row first) at `now`: gives them the
    /// next `seq` numbers, fills in the actor's display name, stamps `published_at`, and returns
    /// them in `seq` order with how many rows were published. Call [`Tx::lock_publication`]
    /// first.
    pub async fn publish_next_batch(
        &self,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<(usize, Vec<Event>), StoreError> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Seq.is_null())
            .order_by_asc(outbox::Column::Id)
            .limit(limit)
            .all(&self.inner)
            .await?;
        if rows.is_empty() {
            return Ok((0, Vec::new()));
        }
        let count = rows.len();
        let last: Option<Option<i64>> = outbox::Entity::find()
            .select_only()
            .column_as(outbox::Column::Seq.max(), "max")
            .into_tuple()
            .one(&self.inner)
            .await?;
        let mut seq = last.flatten().unwrap_or(0);
        let names = self.actor_names(&rows).await?;
        let mut events = Vec::with_capacity(rows.len());
        let mut numbered = Vec::with_capacity(rows.len());
        for mut row in rows {
            seq += 1;
            let name = match (row.actor_kind.as_deref(), row.actor_id) {
                (Some(kind @ ("staff" | "partner")), Some(id)) => names
                    .get(&(kind == "staff", id))
                    .cloned()
                    .unwrap_or_else(|| SYSTEM_NAME.to_owned()),
                _ => SYSTEM_NAME.to_owned(),
            };
            numbered.push((row.id, seq, name.clone()));
            row.seq = Some(seq);
            row.actor_name = Some(name);
            row.published_at = Some(now);
            let id = row.id;
            // A row that cannot be read back is published (numbered) without reaching any
            // outlet rather than holding back every event after it.
            match event_of(row) {
                Ok(event) => events.push(event),
                Err(err) => {
                    tracing::error!(outbox = id, error = %err, "unreadable outbox row skipped");
                }
            }
        }
        for chunk in numbered.chunks(250) {
            self.number_rows(chunk, now).await?;
        }
        Ok((count, events))
    }

    /// Sets `seq`, `actor_name` and `published_at` of these rows, (id, seq, name) each, in one
    /// statement.
    async fn number_rows(
        &self,
        rows: &[(i64, i64, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let backend = self.inner.get_database_backend();
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(rows.len() * 5 + 1);
        let mut mark = |value: sea_orm::Value| {
            values.push(value);
            if backend == DbBackend::Postgres {
                format!("${}", values.len())
            } else {
                "?".to_owned()
            }
        };
        let mut seq_case = String::from("CASE id");
        for (id, seq, _) in rows {
            let (id, seq) = (mark((*id).into()), mark((*seq).into()));
            seq_case.push_str(&format!(" WHEN {id} THEN {seq}"));
        }
        seq_case.push_str(" END");
        let mut name_case = String::from("CASE id");
        for (id, _, name) in rows {
            let (id, name) = (mark((*id).into()), mark(name.clone().into()));
            name_case.push_str(&format!(" WHEN {id} THEN {name}"));
        }
        name_case.push_str(" END");
        let at = mark(now.into());
        let ids: Vec<String> = rows.iter().map(|(id, _, _)| mark((*id).into())).collect();
        let sql = format!(
            "UPDATE outbox SET seq = {seq_case}, actor_name = {name_case}, published_at = {at} \
             WHERE id IN ({})",
            ids.join(", ")
        );
        self.inner
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        Ok(())
    }

    /// Display names of the rows' actors, keyed by (is staff, id): batched, one query per kind.
    async fn actor_names(
        &self,
        rows: &[outbox::Model],
    ) -> Result<HashMap<(bool, i64), String>, StoreError> {
        let ids = |kind: &str| -> Vec<i64> {
            let mut ids: Vec<i64> = rows
                .iter()
                .filter(|r| r.actor_kind.as_deref() == Some(kind))
                .filter_map(|r| r.actor_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let mut names = HashMap::new();
        let staff = ids("staff");
        if !staff.is_empty() {
            let found: Vec<(i64, String)> = team_member::Entity::find()
                .select_only()
                .column(team_member::Column::Id)
                .column(team_member::Column::Name)
                .filter(team_member::Column::Id.is_in(staff))
                .into_tuple()
                .all(&self.inner)
                .await?;
            names.extend(found.into_iter().map(|(id, name)| ((true, id), name)));
        }
        let partners = ids("partner");
        if !partners.is_empty() {
            let found: Vec<(i64, String)> = partner::Entity::find()
                .select_only()
                .column(partner::Column::Id)
                .column(partner::Column::Name)
                .filter(partner::Column::Id.is_in(partners))
                .into_tuple()
                .all(&self.inner)
                .await?;
            names.extend(found.into_iter().map(|(id, name)| ((false, id), name)));
        }
        Ok(names)
    }
}

/// What one pruning pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Published outbox rows.
    pub events: u64,
    /// Finished webhook deliveries (their attempts go with them).
    pub deliveries: u64,
}

impl Store {
    /// Deletes at most `limit` published outbox rows published before `before` (never the one
    /// with the highest `seq`: it tells the next relay where numbering goes on), and at most
    /// `limit` succeeded or failed webhook deliveries created before `before`, with their
    /// attempts. Pending deliveries are kept whatever their age.
    pub async fn prune_events(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Pruned, StoreError> {
        let tx = self.begin_write().await?;
        let last: Option<Option<i64>> = outbox::Entity::find()
            .select_only()
            .column_as(outbox::Column::Seq.max(), "max")
            .into_tuple()
            .one(&tx)
            .await?;
        let mut pruned = Pruned::default();
        if let Some(last) = last.flatten() {
            let ids: Vec<i64> = outbox::Entity::find()
                .select_only()
                .column(outbox::Column::Id)
                .filter(outbox::Column::Seq.is_not_null())
                .filter(outbox::Column::Seq.lt(last))
                .filter(outbox::Column::PublishedAt.lt(before))
                .order_by_asc(outbox::Column::Id)
                .limit(limit)
                .into_tuple()
                .all(&tx)
                .await?;
            if !ids.is_empty() {
                pruned.events = outbox::Entity::delete_many()
                    .filter(outbox::Column::Id.is_in(ids))
                    .exec(&tx)
                    .await?
                    .rows_affected;
            }
        }
        let deliveries: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::State.is_in(["succeeded", "failed"]))
            .filter(webhook_delivery::Column::CreatedAt.lt(before))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&tx)
            .await?;
        if !deliveries.is_empty() {
            webhook_attempt::Entity::delete_many()
                .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries.clone()))
                .exec(&tx)
                .await?;
            pruned.deliveries = webhook_delivery::Entity::delete_many()
                .filter(webhook_delivery::Column::Id.is_in(deliveries))
                .exec(&tx)
                .await?
                .rows_affected;
        }
        tx.commit().await?;
        Ok(pruned)
    }
}
