//! Authentication is answered from a per-process cache (see `api/src/auth/cache.rs`); every
//! process must hear when the rows it caches change. The database itself announces it, so no
//! write path can forget to — not a new service function, not an operator's `psql`:
//!
//! - PostgreSQL: a statement trigger on `team_members`, `partners` and `revoked_tokens` calls
//!   `pg_notify('rapport_auth', <origin>)`, the origin being the writing server's store id when
//!   it set one (`rapport.origin`, so it can skip its own change), empty otherwise. A
//!   notification raised inside a transaction is delivered when it commits, and never if it
//!   rolls back; each server `LISTEN`s.
//! - SQLite: the same tables' row triggers bump `auth_changes.version` (one row) inside the
//!   writing transaction; each server polls that row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows decide who a caller is.
const TABLES: &[&str] = &["team_members", "partners", "revoked_tokens"];

/// The SQLite row events (a trigger each; SQLite has no statement triggers).
const EVENTS: &[&str] = &["INSERT", "UPDATE", "DELETE"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION rapport_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN PERFORM pg_notify('rapport_auth', \
                     coalesce(current_setting('rapport.origin', true), '')); RETURN NULL; END $$",
                )
                .await?;
                for table in TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_auth_changed \
                         AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION rapport_auth_changed()"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE auth_changes (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
                )
                .await?;
                db.execute_unprepared("INSERT INTO auth_changes (id, version) VALUES (1, 0)")
                    .await?;
                for table in TABLES {
                    for event in EVENTS {
                        let name = event.to_lowercase();
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_auth_{name} AFTER {event} ON {table} \
                             BEGIN UPDATE auth_changes SET version = version + 1 WHERE id = 1; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                for table in TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_auth_changed ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS rapport_auth_changed()")
                    .await?;
            }
            _ => {
                for table in TABLES {
                    for event in EVENTS {
                        let name = event.to_lowercase();
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_auth_{name}"
                        ))
                        .await?;
                    }
                }
                db.execute_unprepared("DROP TABLE IF EXISTS auth_changes")
                    .await?;
            }
        }
        Ok(())
    }
}
