//! Operator commands beside serving: `rapport backup` and `rapport restore` for a SQLite
//! database, the lock that keeps a restore from replacing a database in use, and
//! `rapport healthcheck` for container engines.

mod backup;
mod healthcheck;
mod lock;
mod restore;

pub use backup::{BackupReport, backup};
pub use healthcheck::healthcheck;
pub use lock::{DatabaseHold, hold_database};
pub use restore::{RestoreReport, restore};

use std::path::PathBuf;

use crate::config::Settings;

/// What an operator of a PostgreSQL database uses instead of `rapport backup`/`restore`.
const POSTGRES_TOOLS: &str = "use PostgreSQL's own tools: pg_dump (a logical copy, e.g. \
    `pg_dump --format=custom --file=rapport.dump <database>`, restored with pg_restore), or \
    pg_basebackup with WAL archiving (archive_mode, archive_command) for point-in-time recovery";

/// The SQLite file the settings name, `None` for PostgreSQL or an in-memory database.
pub(crate) fn sqlite_file(settings: &Settings) -> Option<PathBuf> {
    let url = settings.database_url();
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:" && !path.starts_with("file::memory:"))
        .then(|| PathBuf::from(path))
}

/// The SQLite file `command` works on, or why it cannot.
fn required_sqlite_file(settings: &Settings, command: &str) -> anyhow::Result<PathBuf> {
    let url = settings.database_url();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        anyhow::bail!(
            "`rapport {command}` works on SQLite databases, and database_url names a PostgreSQL \
             database: {POSTGRES_TOOLS}"
        );
    }
    sqlite_file(settings).ok_or_else(|| {
        anyhow::anyhow!("`rapport {command}` needs a SQLite database file; database_url names none")
    })
}

/// `path` with `suffix` appended to its file name (`rapport.db` + `-wal`).
fn with_suffix(path: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes `path` readable by this user only: a copy of the database holds personal data.
fn private(path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot make {} private", path.display()))
}
