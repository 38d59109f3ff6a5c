//! Counts that stay fast on large lists, and an index behind every list filter.
//!
//! `list_counts` holds how many contacts and accounts there are per relationship type. The
//! database keeps it, with triggers on both SQLite and PostgreSQL, in the same transaction as
//! the write: an insert, a delete, a contact moving to another account and an account changing
//! relationship type all adjust it, whichever code path (the API, `demo-data`, a hand-written
//! `INSERT`) made the change, so it cannot drift from `COUNT(*)`.
//!
//! - PostgreSQL: statement-level triggers over transition tables, so a bulk insert updates the
//!   counter once per statement, not once per row. Each transaction adds to one of 16 shards of
//!   a counter (`txid % 16`), so concurrent writers rarely wait on the same counter row; a read
//!   sums at most 16 rows per key. A contact's trigger reads its account `FOR SHARE`, so a
//!   concurrent change of that account's relationship type waits for it (or it for the change)
//!   and the contact is counted under the type its account has once both commit.
//! - SQLite: row-level triggers (one writer at a time, nothing to shard).
//!
//! Indexes for filters that had none: contacts by email consent, accounts by status and by
//! kind; on PostgreSQL, trigram (`pg_trgm`) indexes behind the "contains" text searches
//! (`contacts.search_text`, `accounts.name_key`). SQLite has no index for `LIKE '%…%'`; its
//! text search stays a scan (see the README).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[path = "m20261209_000014_list_counts_sql.rs"]
mod sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Plain indexes on both databases: (name, table, columns).
const INDEXES: &[(&str, &str, &str)] = &[
    ("idx_contacts_consent", "contacts", "email_consent, id"),
    ("idx_accounts_status", "accounts", "status, id"),
    ("idx_accounts_kind", "accounts", "kind, id"),
];

/// Trigram indexes on PostgreSQL: (name, table, column).
const TRIGRAM_INDEXES: &[(&str, &str, &str)] = &[
    ("idx_contacts_search_trgm", "contacts", "search_text"),
    ("idx_accounts_name_trgm", "accounts", "name_key"),
];

async fn run(m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    for s in statements {
        db.execute_unprepared(s).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on both databases: on PostgreSQL, creating the triggers locks the tables
    /// against writes until the backfill below has counted them, so no write is missed or
    /// counted twice.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let postgres = m.get_database_backend() == DbBackend::Postgres;
        run(m, &[sql::TABLE]).await?;
        run(m, if postgres { sql::PG_UP } else { sql::SQLITE_UP }).await?;
        run(m, sql::BACKFILL).await?;
        let db = m.get_connection();
        for (name, table, cols) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({cols})"))
                .await?;
        }
        if postgres {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            for (name, table, col) in TRIGRAM_INDEXES {
                db.execute_unprepared(&format!(
                    "CREATE INDEX {name} ON {table} USING gin ({col} gin_trgm_ops)"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let postgres = m.get_database_backend() == DbBackend::Postgres;
        let db = m.get_connection();
        if postgres {
            for (name, _, _) in TRIGRAM_INDEXES {
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                    .await?;
            }
        }
        for (name, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        run(
            m,
            if postgres {
                sql::PG_DOWN
            } else {
                sql::SQLITE_DOWN
            },
        )
        .await?;
        run(m, &["DROP TABLE list_counts"]).await
    }
}
