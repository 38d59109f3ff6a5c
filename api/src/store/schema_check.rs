//! Whether the database's schema is the one this binary was built for, in one statement.
//!
//! The migrator's own check (`Migrator::up` with nothing to do) runs `CREATE TABLE IF NOT
//! EXISTS seaql_migrations` five times and reads the table twice; on PostgreSQL each of those is
//! a round trip, and the `CREATE` takes a lock. A server starts far more often than a migration
//! lands, so start-up reads the applied versions once and compares them with the binary's list;
//! only when something is pending does the migrator run.
//!
//! The guarantee stays: a server never serves a schema other than its own. Behind, it migrates
//! (`database.migrate_on_start`) or refuses to start, naming the pending steps; ahead (migrated
//! by a newer Rapport), it refuses to start, naming the steps it does not know.

use std::collections::HashSet;

use rapport_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::{Store, StoreError};

/// How the database's applied migrations compare with this binary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// Every step of this binary is applied, and nothing else.
    Current,
    /// Steps this binary knows are not applied (oldest first), and none it does not know.
    Behind(Vec<String>),
    /// Steps are applied that this binary does not know (a newer Rapport migrated).
    Ahead(Vec<String>),
}

impl SchemaState {
    /// The refusal to serve this state, or `None` when it is current.
    pub fn refusal(&self) -> Option<String> {
        match self {
            SchemaState::Current => None,
            SchemaState::Behind(pending) => Some(format!(
                "the database schema is behind this Rapport: {} migration(s) are not applied \
                 ({}); run `rapport migrate`, or start with database.migrate_on_start = true",
                pending.len(),
                pending.join(", ")
            )),
            SchemaState::Ahead(unknown) => Some(format!(
                "the database schema is ahead of this Rapport: it has migration(s) this binary \
                 does not know ({}), applied by a newer release; run that release (or newer)",
                unknown.join(", ")
            )),
        }
    }
}

/// Compares the applied versions with this binary's migrations.
fn compare(applied: &HashSet<String>) -> SchemaState {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let known_set: HashSet<&str> = known.iter().map(String::as_str).collect();
    let mut unknown: Vec<String> = applied
        .iter()
        .filter(|v| !known_set.contains(v.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        return SchemaState::Ahead(unknown);
    }
    let pending: Vec<String> = known.into_iter().filter(|k| !applied.contains(k)).collect();
    if pending.is_empty() {
        SchemaState::Current
    } else {
        SchemaState::Behind(pending)
    }
}

impl Store {
    /// How the schema compares with this binary's migrations: one statement when the
    /// migration table exists (a second, to tell a missing table from a failure, otherwise).
    pub async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let db = self.writer();
        let backend = db.get_database_backend();
        let read = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT version FROM seaql_migrations",
            ))
            .await;
        let rows = match read {
            Ok(rows) => rows,
            Err(err) if !self.migration_table_exists().await? => {
                tracing::debug!(error = %err, "no migration table yet: every step is pending");
                Vec::new()
            }
            Err(err) => return Err(err.into()),
        };
        let applied = rows
            .iter()
            .map(|row| row.try_get::<String>("", "version"))
            .collect::<Result<HashSet<_>, DbErr>>()?;
        Ok(compare(&applied))
    }

    async fn migration_table_exists(&self) -> Result<bool, StoreError> {
        let db = self.writer();
        let backend = db.get_database_backend();
        let sql = if self.is_sqlite() {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
        } else {
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_tables \
             WHERE schemaname = current_schema() AND tablename = 'seaql_migrations'"
        };
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<i64>("", "n")? > 0)
    }
}

#[cfg(test)]
#[path = "schema_check_tests.rs"]
mod tests;
