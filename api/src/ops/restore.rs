//! `rapport restore FILE`: puts a backup in place of the SQLite database, refusing while any
//! Rapport process has the database open.

use std::fs::TryLockError;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::lock::lock_file;
use super::{private, required_sqlite_file, with_suffix};
use crate::config::Settings;
use crate::store::check_sqlite_file;

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The database file now holding the backup.
    pub database: PathBuf,
    /// Where the database it replaced was kept, if there was one.
    pub kept: Option<PathBuf>,
    /// Migrations the backup records as applied (later ones are applied when the server starts).
    pub migrations: i64,
}

/// Copies the backup at `source` into place as the settings' SQLite database (in `data_dir`
/// unless `database_url` names another file). The backup must pass `PRAGMA integrity_check`
/// and be a Rapport database. Refused while a server, worker or relay has the database open
/// (each holds a shared lock on `<database>.lock`). An existing database is replaced only with
/// `replace`, and then kept beside it as `<database>.before-restore-<time>` (with its `-wal`).
///
/// # Errors
/// A PostgreSQL database (the message names the tools), a backup that is missing, damaged or
/// not Rapport's, a database in use, or an existing database without `replace`.
pub async fn restore(
    settings: &Settings,
    source: &Path,
    replace: bool,
) -> anyhow::Result<RestoreReport> {
    let db = required_sqlite_file(settings, "restore")?;
    anyhow::ensure!(
        source.is_file(),
        "there is no backup file at {}",
        source.display()
    );
    let check = check_sqlite_file(source)
        .await
        .with_context(|| format!("cannot read {} as a SQLite database", source.display()))?;
    anyhow::ensure!(
        check.is_sound(),
        "{} failed PRAGMA integrity_check: {}",
        source.display(),
        check.integrity.join("; ")
    );
    anyhow::ensure!(
        check.migrations > 0,
        "{} is not a Rapport database (it records no migrations)",
        source.display()
    );
    crate::startup::ensure_data_dir(settings)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let lock = lock_file(&db)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "a Rapport process (rapport serve, worker or relay) has {} open; stop every process \
             using it, then restore",
            db.display()
        ),
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("cannot lock {}", db.display()));
        }
    }
    let kept = if db.exists() {
        anyhow::ensure!(
            replace,
            "{} already holds a database; pass --force to replace it (it is kept beside it as \
             {}.before-restore-<time>)",
            db.display(),
            db.display()
        );
        Some(keep_aside(&db)?)
    } else {
        None
    };
    let staged = with_suffix(&db, ".restoring");
    std::fs::copy(source, &staged)
        .with_context(|| format!("cannot copy {} to {}", source.display(), staged.display()))?;
    private(&staged)?;
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {}", staged.display()))?;
    std::fs::rename(&staged, &db)
        .with_context(|| format!("cannot move the backup into place at {}", db.display()))?;
    drop(lock);
    Ok(RestoreReport {
        database: db,
        kept,
        migrations: check.migrations,
    })
}

/// Moves the database at `db` and its `-wal`/`-shm` companions aside under one new name.
fn keep_aside(db: &Path) -> anyhow::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let kept = with_suffix(db, &format!(".before-restore-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(db, suffix);
        if from.exists() {
            let to = with_suffix(&kept, suffix);
            std::fs::rename(&from, &to).with_context(|| {
                format!("cannot move {} aside to {}", from.display(), to.display())
            })?;
        }
    }
    Ok(kept)
}
