use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rapport_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions,
};

use super::auth_changes::AuthSignal;
use super::gate::{GatedPool, HeldTx, ObserverCell, PoolGate};
use super::schema_check::SchemaState;
use super::{StoreError, Tx};
use crate::auth::cache::AuthCache;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub url: String,
    /// Connections that serve reads (SQLite) or everything (PostgreSQL).
    pub pool_size: u32,
    /// How long a SQLite writer waits for the lock before failing.
    pub busy_timeout: Duration,
}

/// The database: one writer connection and a small reader pool on SQLite (WAL mode lets
/// readers proceed while the one writer writes); one pool on PostgreSQL.
#[derive(Debug, Clone)]
pub struct Store {
    writer: GatedPool,
    reader: GatedPool,
    /// Where the pools' gates report acquires (see `gate`), shared by every clone.
    pub(super) acquires: ObserverCell,
    statements: Arc<AtomicU64>,
    /// What authentication read, shared by every clone (see `auth::cache`), and how this
    /// store tells its own changes apart (see `auth_changes`).
    pub(super) auth: Arc<AuthSignal>,
    recorder: Arc<super::plans::Recorder>,
    /// What must live exactly as long as the database is open here (the SQLite lock file a
    /// restore checks), dropped with the last clone.
    kept: Option<Arc<dyn std::fmt::Debug + Send + Sync>>,
}

impl Store {
    /// Keeps `value` alive for as long as any clone of this store is (the lock that tells a
    /// restore the database is in use).
    #[must_use]
    pub fn keeping(mut self, value: impl std::fmt::Debug + Send + Sync + 'static) -> Self {
        self.kept = Some(Arc::new(value));
        self
    }

    /// Opens the pools.
    pub async fn connect(settings: &StoreSettings) -> Result<Self, StoreError> {
        Self::open(settings, false).await
    }

    /// Like [`Store::connect`], but a PostgreSQL pool opens no connection until its first
    /// statement (and keeps none idle): for pools that are not needed to answer the first
    /// request, such as the event relay's, so start-up does not wait for them.
    pub async fn connect_lazily(settings: &StoreSettings) -> Result<Self, StoreError> {
        Self::open(settings, true).await
    }

    async fn open(settings: &StoreSettings, lazy: bool) -> Result<Self, StoreError> {
        let statements = Arc::new(AtomicU64::new(0));
        let recorder = Arc::new(super::plans::Recorder::default());
        let system = if settings.url.starts_with("sqlite:") {
            "sqlite"
        } else {
            "postgresql"
        };
        let counter = |conn: &mut DatabaseConnection| {
            let statements = Arc::clone(&statements);
            let recorder = Arc::clone(&recorder);
            conn.set_metric_callback(move |info| {
                statements.fetch_add(1, Ordering::Relaxed);
                super::tally::note();
                recorder.note(info.statement);
                crate::traces::statement(system, &info.statement.sql, info.elapsed, info.failed);
            });
        };
        if settings.url.starts_with("sqlite:") {
            let file = sqlite_file(&settings.url);
            if let Some(file) = &file {
                private_files(file)?;
            }
            let mut writer = Database::connect(sqlite_options(settings, 1, false)).await?;
            // Opening the writer first creates the file and turns WAL on before readers attach.
            writer.execute_unprepared("SELECT 1").await?;
            if let Some(file) = &file {
                private_files(file)?;
            }
            let mut reader =
                Database::connect(sqlite_options(settings, settings.pool_size, true)).await?;
            counter(&mut writer);
            counter(&mut reader);
            let acquires = ObserverCell::default();
            Ok(Self {
                writer: gated("writer", writer, &acquires),
                reader: gated("reader", reader, &acquires),
                acquires,
                statements,
                auth: Arc::default(),
                recorder,
                kept: None,
            })
        } else {
            let mut options = ConnectOptions::new(settings.url.clone());
            options
                .max_connections(settings.pool_size.max(2))
                .min_connections(u32::from(!lazy))
                .connect_lazy(lazy)
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false)
                .map_sqlx_postgres_opts(super::pg_tls::local_in_clear(&settings.url));
            let mut pool = Database::connect(options).await?;
            counter(&mut pool);
            let acquires = ObserverCell::default();
            let pool = gated("main", pool, &acquires);
            Ok(Self {
                reader: pool.clone(),
                writer: pool,
                acquires,
                statements,
                auth: Arc::default(),
                recorder,
                kept: None,
            })
        }
    }

    /// Applies pending migrations, then fills the derived columns a migration cannot compute
    /// (see `agreement_sort`). On a current schema this is one statement to see so, and one to
    /// see no row needs filling; a schema migrated by a newer Rapport is refused.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.schema_state().await? {
            SchemaState::Current => {}
            SchemaState::Behind(_) => Migrator::up(self.writer.ungated(), None).await?,
            ahead @ SchemaState::Ahead(_) => {
                return Err(StoreError::Db(sea_orm::DbErr::Custom(
                    ahead.refusal().unwrap_or_default(),
                )));
            }
        }
        self.fill_agreement_sort_columns().await?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx::held(self.begin_write().await?).with_auth(Arc::clone(&self.auth)))
    }

    /// This process's authentication cache.
    pub fn auth_cache(&self) -> &AuthCache {
        &self.auth.cache
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.reader.ping().await?;
        Ok(())
    }

    /// Statements run since the store was opened (for tests that bound queries per request).
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Whether this process's connection to the database is encrypted (PostgreSQL's
    /// `pg_stat_ssl`; always false on SQLite). For tests of the TLS defaults.
    pub async fn uses_tls(&self) -> Result<bool, StoreError> {
        if self.is_sqlite() {
            return Ok(false);
        }
        let row = self
            .reader
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<bool>("", "ssl")?)
    }

    /// Whether this is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.writer.get_database_backend() == DbBackend::Sqlite
    }

    pub(crate) fn writer(&self) -> &GatedPool {
        &self.writer
    }

    /// A transaction that writes. On SQLite it takes the write lock at `BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout: a deferred transaction that read first and then tried to
    /// write after another process (a `rapport worker`) wrote would fail at once instead of
    /// waiting. PostgreSQL ignores the mode.
    pub(crate) async fn begin_write(&self) -> Result<HeldTx, sea_orm::DbErr> {
        self.writer
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }

    pub(crate) fn reader(&self) -> &GatedPool {
        &self.reader
    }

    pub(super) fn recorder(&self) -> &super::plans::Recorder {
        &self.recorder
    }

    /// Runs raw SQL on the writer. For test harnesses that need to break or inspect the
    /// database on purpose; never used by the API itself.
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        self.writer.execute_unprepared(sql).await?;
        Ok(())
    }

    /// Counts the rows of `table` (test harnesses check that refused input changed nothing).
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        if !table.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(StoreError::NotFound);
        }
        let backend = self.reader.get_database_backend();
        let row = self
            .reader
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<i64>("", "n")?)
    }

    /// After an erasure on SQLite, folds the write-ahead log back into the database file and
    /// truncates it, so erased values do not linger in old WAL frames (`secure_delete` already
    /// overwrites them inside the database file). A no-op on PostgreSQL.
    pub async fn checkpoint_after_erasure(&self) -> Result<(), StoreError> {
        if self.is_sqlite() {
            self.writer
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(self) {
        let _ = self.writer.ungated().close_by_ref().await;
        let _ = self.reader.ungated().close_by_ref().await;
    }
}

/// `conn` behind a gate as wide as its pool, waiting as long as the pool's own acquire.
fn gated(name: &'static str, conn: DatabaseConnection, acquires: &ObserverCell) -> GatedPool {
    let (size, timeout) = match conn.get_database_backend() {
        DbBackend::Sqlite => {
            let options = conn.get_sqlite_connection_pool().options();
            (options.get_max_connections(), options.get_acquire_timeout())
        }
        _ => {
            let options = conn.get_postgres_connection_pool().options();
            (options.get_max_connections(), options.get_acquire_timeout())
        }
    };
    let gate = PoolGate::new(name, size, timeout, Arc::clone(acquires));
    GatedPool::new(conn, Arc::new(gate))
}

/// The database file a SQLite URL names (`sqlite://data/rapport.db?mode=rwc`), if any.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:" && !path.starts_with("file::memory:"))
        .then(|| PathBuf::from(path))
}

/// Makes the database file and its `-wal` and `-shm` companions readable by this user only
/// (0600), whatever the umask: the file is created 0600 before SQLite opens it (SQLite gives
/// the companions the database file's mode), and existing files are narrowed.
fn private_files(db: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let io = |e: std::io::Error| {
        StoreError::Db(sea_orm::DbErr::Custom(format!(
            "cannot make {} private: {e}",
            db.display()
        )))
    };
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(db)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
    }
    Ok(())
}

pub(super) fn sqlite_options(
    settings: &StoreSettings,
    size: u32,
    read_only: bool,
) -> ConnectOptions {
    let busy = settings.busy_timeout;
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(size.max(1))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(busy)
                .create_if_missing(!read_only)
                .read_only(read_only)
                .pragma("secure_delete", "ON")
        });
    options
}

/// Creates a fresh, empty PostgreSQL database next to `server_url` and returns its URL.
/// Test harnesses give each test its own database so migrations never race.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, StoreError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::NotFound);
    }
    let admin = Database::connect(server_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    admin.close().await?;
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    Ok(format!("{base}/{name}{query}"))
}

/// For the crate's own database-backed unit tests: a fresh PostgreSQL database when
/// `TEST_DATABASE_URL` names a server, else a SQLite file `file` in `dir`.
#[cfg(test)]
pub(crate) async fn test_database_url(dir: &std::path::Path, file: &str) -> String {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        Some(server) => {
            let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
            create_postgres_database(&server, &name)
                .await
                .expect("a test database")
        }
        None => format!("sqlite://{}?mode=rwc", dir.join(file).display()),
    }
}

#[cfg(test)]
#[path = "pg_connections_tests.rs"]
mod pg_connections_tests;
