//! Numbers for `/metrics`: the connection pools' occupancy, and how far the relay and the
//! contact-sync workers are behind (the age of the oldest event not yet published and of the
//! oldest sync job that is due and unclaimed).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entity::{outbox, sync_job};
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
            pool: &'static str,
            p: &sea_orm::sqlx::Pool<DB>,
        ) -> PoolStats {
            PoolStats {
                pool,
                open: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
                max: p.options().get_max_connections(),
            }
        }
        if self.is_sqlite() {
            vec![
                stats("writer", self.writer().get_sqlite_connection_pool()),
                stats("reader", self.reader().get_sqlite_connection_pool()),
            ]
        } else {
            vec![stats("main", self.writer().get_postgres_connection_pool())]
        }
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
