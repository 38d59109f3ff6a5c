//! Indexes that keep the event relay's and the webhook dispatcher's statements proportional to
//! the work they take, not to the size of the tables behind it (issue 12, point 6):
//!
//! - `idx_outbox_to_publish`: the unpublished outbox rows in id order (`seq IS NULL`, the
//!   relay's next batch). Without it PostgreSQL either walks the primary key past every
//!   published row still kept (the retention) or reads and sorts every unpublished row to take
//!   the first batch of them.
//! - `idx_webhook_deliveries_pending_due`: pending deliveries in the dispatcher's claim order
//!   (`next_attempt_at`, `id`): the claim reads the due head of the queue only.
//! - `idx_webhook_deliveries_pending_order`: pending deliveries per (endpoint, aggregate) in
//!   `seq` order: the claim's "no earlier pending delivery of this aggregate" check is one
//!   probe that ignores the aggregate's delivered history.
//!
//! Partial indexes, on both databases (SQLite has them since 3.8); rows leave them when they
//! are published or settled, so they stay as small as the backlog.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 3] = [
    ("idx_outbox_to_publish", "ON outbox (id) WHERE seq IS NULL"),
    (
        "idx_webhook_deliveries_pending_due",
        "ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending'",
    ),
    (
        "idx_webhook_deliveries_pending_order",
        "ON webhook_deliveries (endpoint_id, aggregate_key, event_seq) WHERE state = 'pending'",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, definition) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} {definition}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
