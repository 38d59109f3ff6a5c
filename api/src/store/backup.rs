//! Online copies of a SQLite database (`rapport backup`) and checks of a copy before it is
//! restored (`rapport restore`).

use std::path::Path;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, DbErr, Statement};

use super::{Store, StoreError};

/// What a SQLite file holds, as far as a restore cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteFileCheck {
    /// The lines of `PRAGMA integrity_check`: `["ok"]` when the file is sound.
    pub integrity: Vec<String>,
    /// Migrations recorded as applied (0 when the file is no Rapport database).
    pub migrations: i64,
}

impl SqliteFileCheck {
    /// Whether `PRAGMA integrity_check` found nothing wrong.
    pub fn is_sound(&self) -> bool {
        self.integrity == ["ok"]
    }
}

fn custom(message: String) -> StoreError {
    StoreError::Db(DbErr::Custom(message))
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `target`, which must not exist, with
    /// `VACUUM INTO`: the copy is read inside one read transaction, so it holds exactly the
    /// transactions committed before the copy began, while the server goes on reading and
    /// writing (WAL mode: the copy never blocks the writer). Refused on PostgreSQL.
    pub async fn vacuum_into(&self, target: &Path) -> Result<(), StoreError> {
        if !self.is_sqlite() {
            return Err(custom(
                "VACUUM INTO copies SQLite databases only; use pg_dump for PostgreSQL".to_owned(),
            ));
        }
        let path = target
            .to_str()
            .ok_or_else(|| custom(format!("{} is not valid UTF-8", target.display())))?;
        self.writer()
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [path.into()],
            ))
            .await?;
        Ok(())
    }
}

/// Opens the SQLite file at `path` read-only and runs `PRAGMA integrity_check` on it, and
/// counts the migrations it records.
pub async fn check_sqlite_file(path: &Path) -> Result<SqliteFileCheck, StoreError> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?;
    let integrity = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let migrations = match db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) FROM seaql_migrations",
        ))
        .await
    {
        Ok(Some(row)) => row.try_get_by_index::<i64>(0)?,
        Ok(None) | Err(_) => 0,
    };
    db.close().await?;
    Ok(SqliteFileCheck {
        integrity,
        migrations,
    })
}
