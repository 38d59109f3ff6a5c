//! `rapport backup FILE`: a consistent copy of the SQLite database while it serves.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::{private, required_sqlite_file};
use crate::config::Settings;
use crate::store::check_sqlite_file;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The copy.
    pub file: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Migrations the copy records as applied.
    pub migrations: i64,
    /// How long the copy took.
    pub elapsed: Duration,
}

/// Copies the settings' SQLite database to `target` with `VACUUM INTO` while other processes
/// go on serving: the copy holds every transaction committed before it began. The copy is
/// written beside `target` under a temporary name, checked with `PRAGMA integrity_check`, made
/// private (0600), and only then given its name: `target` never holds a partial copy. An
/// existing `target` is replaced only when `overwrite` is set.
///
/// # Errors
/// A PostgreSQL database (the message names pg_dump), no database yet, an existing `target`
/// without `overwrite`, a copy that fails its check, or the failure that stopped the copy.
pub async fn backup(
    settings: &Settings,
    target: &Path,
    overwrite: bool,
) -> anyhow::Result<BackupReport> {
    let db = required_sqlite_file(settings, "backup")?;
    anyhow::ensure!(
        db.is_file(),
        "there is no database at {} to back up (check data_dir and database_url)",
        db.display()
    );
    if target.exists() && !overwrite {
        anyhow::bail!(
            "{} already exists; pass --force to replace it",
            target.display()
        );
    }
    let name = target
        .file_name()
        .with_context(|| format!("{} names no file", target.display()))?;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    anyhow::ensure!(
        dir.is_dir(),
        "the folder {} of the backup file does not exist",
        dir.display()
    );
    let partial = dir.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        uuid::Uuid::new_v4().simple()
    ));
    let started = Instant::now();
    let store = crate::startup::open_store(settings, false).await?;
    let copied = store.vacuum_into(&partial).await;
    store.close().await;
    let result = match copied {
        Ok(()) => finish(&partial, target, overwrite).await,
        Err(err) => Err(anyhow::Error::new(err).context(format!(
            "cannot copy {} to {}",
            db.display(),
            partial.display()
        ))),
    };
    if partial.exists() {
        let _ = std::fs::remove_file(&partial);
    }
    let migrations = result?;
    let bytes = std::fs::metadata(target)
        .with_context(|| format!("cannot read {}", target.display()))?
        .len();
    Ok(BackupReport {
        file: target.to_path_buf(),
        bytes,
        migrations,
        elapsed: started.elapsed(),
    })
}

/// Checks the copy at `partial`, makes it private, and gives it its name; returns its
/// migration count.
async fn finish(partial: &Path, target: &Path, overwrite: bool) -> anyhow::Result<i64> {
    let check = check_sqlite_file(partial)
        .await
        .with_context(|| format!("cannot check the copy {}", partial.display()))?;
    anyhow::ensure!(
        check.is_sound(),
        "the copy failed PRAGMA integrity_check: {}",
        check.integrity.join("; ")
    );
    private(partial)?;
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {}", partial.display()))?;
    if overwrite {
        std::fs::rename(partial, target)
            .with_context(|| format!("cannot name the copy {}", target.display()))?;
    } else {
        // A hard link never replaces a file that appeared since the check above.
        match std::fs::hard_link(partial, target) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
                "{} already exists; pass --force to replace it",
                target.display()
            ),
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("cannot name the copy {}", target.display()));
            }
        }
    }
    Ok(check.migrations)
}
