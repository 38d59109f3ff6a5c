//! Every process that opens a SQLite database holds a shared lock on `<database>.lock` for
//! its whole life; `rapport restore` takes it exclusively, so it refuses to replace a database
//! that a server, worker or relay has open.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use anyhow::Context as _;

use super::{sqlite_file, with_suffix};
use crate::config::Settings;

/// Lock files held until the process ends (one per database opened).
static HELD: Mutex<Vec<File>> = Mutex::new(Vec::new());

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

/// Takes the shared lock on the settings' SQLite database for the rest of the process (nothing
/// to do on PostgreSQL).
///
/// # Errors
/// The database is being restored, or the lock file cannot be opened.
pub fn hold_database(settings: &Settings) -> anyhow::Result<()> {
    let Some(db) = sqlite_file(settings) else {
        return Ok(());
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
    HELD.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(file);
    Ok(())
}
