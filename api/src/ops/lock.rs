//! Every process that opens a SQLite database holds a shared lock on `<database>.lock` for as
//! long as it has the database open; `rapport restore` takes it exclusively, so it refuses to
//! replace a database that a server, worker or relay has open.

use std::fs::{File, TryLockError};
use std::path::Path;

use anyhow::Context as _;

use super::{sqlite_file, with_suffix};
use crate::config::Settings;

/// Opens (creating it, private) the lock file of the SQLite database at `db`.
pub(super) fn lock_file(db: &Path) -> anyhow::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = with_suffix(db, ".lock");
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))
}

/// The shared lock on a SQLite database, released when dropped (closing the file releases
/// it). The store keeps it for as long as any of its clones is alive, so a process that opens
/// and closes many databases (a test run) holds one lock file per database it still has open,
/// not one per database it ever opened.
#[derive(Debug)]
pub struct DatabaseHold {
    _file: File,
}

/// Takes the shared lock on the settings' SQLite database (`None` on PostgreSQL, which has
/// nothing to lock).
///
/// # Errors
/// The database is being restored, or the lock file cannot be opened.
pub fn hold_database(settings: &Settings) -> anyhow::Result<Option<DatabaseHold>> {
    let Some(db) = sqlite_file(settings) else {
        return Ok(None);
    };
    let file = lock_file(&db)?;
    match file.try_lock_shared() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "{} is being restored (`rapport restore` holds it); start again once it has finished",
            db.display()
        ),
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("cannot lock {}", db.display()));
        }
    }
    Ok(Some(DatabaseHold { _file: file }))
}
