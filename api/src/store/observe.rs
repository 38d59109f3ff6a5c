//! Numbers for `/metrics`: the connection pools' occupancy and waits, and how far the relay
//! and the contact-sync workers are behind (the age of the oldest event not yet published and
//! of the oldest sync job that is due and unclaimed).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entity::{outbox, sync_job};
use super::gate::GatedPool;
use super::{Store, StoreError};

/// One connection pool of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Which pool: `writer` and `reader` on SQLite, `main` on PostgreSQL.
    pub pool: &'static str,
    /// Connections open (idle or in use).
    pub open: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
    /// Acquires waiting now because every connection is in use.
    pub waiting: u32,
}

/// Told of every connection the store's pools hand out (see `gate`): which pool, and how long
/// the acquire waited because every connection was in use (`None`: one was free). An acquire
/// that gave up after the pool's timeout is reported too, with the time it waited.
pub trait AcquireObserver: Send + Sync + std::fmt::Debug {
    /// One acquire on `pool`.
    fn acquired(&self, pool: &'static str, waited: Option<Duration>);
}

impl PoolStats {
    /// Connections handed out and not yet returned.
    pub fn in_use(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}

/// The oldest work not yet done, as timestamps (`None`: nothing waiting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// When the oldest unpublished outbox event was written.
    pub oldest_unpublished_event: Option<DateTime<Utc>>,
    /// When the oldest pending sync job fell due (only jobs due by `now`).
    pub oldest_due_sync_job: Option<DateTime<Utc>>,
}

impl Store {
    /// This store's pools, read from memory (no statement).
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        fn stats<DB: sea_orm::sqlx::Database>(
            gated: &GatedPool,
            p: &sea_orm::sqlx::Pool<DB>,
        ) -> PoolStats {
            PoolStats {
                pool: gated.gate().pool(),
                open: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
                max: p.options().get_max_connections(),
                waiting: gated.gate().waiting(),
            }
        }
        let (writer, reader) = (self.writer(), self.reader());
        if self.is_sqlite() {
            vec![
                stats(writer, writer.ungated().get_sqlite_connection_pool()),
                stats(reader, reader.ungated().get_sqlite_connection_pool()),
            ]
        } else {
            vec![stats(
                writer,
                writer.ungated().get_postgres_connection_pool(),
            )]
        }
    }

    /// Reports every acquire of this store's pools (and of its clones') to `observer` from now
    /// on. The first observer stays: false when one was attached already.
    pub fn observe_acquires(&self, observer: Arc<dyn AcquireObserver>) -> bool {
        self.acquires.set(observer).is_ok()
    }

    /// The oldest unpublished event and the oldest sync job due by `now` (two indexed reads).
    pub async fn backlog(&self, now: DateTime<Utc>) -> Result<Backlog, StoreError> {
        let event: Option<Option<DateTime<Utc>>> = outbox::Entity::find()
            .select_only()
            .column_as(outbox::Column::At.min(), "oldest")
            .filter(outbox::Column::PublishedAt.is_null())
            .into_tuple()
            .one(self.reader())
            .await?;
        let job: Option<Option<DateTime<Utc>>> = sync_job::Entity::find()
            .select_only()
            .column_as(sync_job::Column::DueAt.min(), "oldest")
            .filter(sync_job::Column::State.eq("PENDING"))
            .filter(sync_job::Column::DueAt.lte(now))
            .into_tuple()
            .one(self.reader())
            .await?;
        Ok(Backlog {
            oldest_unpublished_event: event.flatten(),
            oldest_due_sync_job: job.flatten(),
        })
    }
}
