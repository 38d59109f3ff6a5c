//! Opening the database for a command or a server: the data folder, the pools, and the
//! schema check (see `store::schema_check`).

use anyhow::Context as _;

use crate::config::Settings;
use crate::store::Store;

/// Creates the data folder readable by this user only (0700, whatever the umask), and
/// narrows an existing one to that.
pub fn ensure_data_dir(settings: &Settings) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let dir = &settings.data_dir;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    let mode = std::fs::metadata(dir)
        .with_context(|| format!("cannot read the data folder {}", dir.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).with_context(
            || {
                format!(
                    "the data folder {} is open to other users and cannot be narrowed to 0700",
                    dir.display()
                )
            },
        )?;
    }
    Ok(())
}

/// Opens the store (creating the data folder) and applies migrations when configured.
pub async fn open_store(settings: &Settings, migrate: bool) -> anyhow::Result<Store> {
    ensure_data_dir(settings)?;
    let hold = crate::ops::hold_database(settings)?;
    let mut store = Store::connect(&settings.store())
        .await
        .context("cannot open the database (check database_url / DATABASE_URL)")?;
    if let Some(hold) = hold {
        store = store.keeping(hold);
    }
    if migrate {
        store
            .migrate()
            .await
            .context("cannot apply database migrations")?;
    }
    Ok(store)
}

/// Opens the store a server serves from, whose schema must be exactly this binary's: pending
/// migrations are applied when `database.migrate_on_start` is on and refused otherwise (naming
/// them), and a schema migrated by a newer Rapport is always refused. On a current schema this
/// costs one statement.
pub async fn open_store_to_serve(settings: &Settings) -> anyhow::Result<Store> {
    let migrate = settings.database.migrate_on_start;
    let store = open_store(settings, migrate).await?;
    if !migrate
        && let Some(refusal) = store
            .schema_state()
            .await
            .context("cannot read which migrations the database has")?
            .refusal()
    {
        store.close().await;
        anyhow::bail!("{refusal}");
    }
    Ok(store)
}

/// The store the in-server relay and webhook dispatcher use: on PostgreSQL a pool of its own
/// (`events.pool_size`) so API writes cannot starve delivery; otherwise the API's store.
pub(super) async fn events_store(settings: &Settings, store: &Store) -> anyhow::Result<Store> {
    let own_pool = settings.events.relay_in_server
        && settings.events.pool_size > 0
        && !settings.database_url().starts_with("sqlite:");
    if !own_pool {
        return Ok(store.clone());
    }
    let mut events = settings.store();
    events.pool_size = settings.events.pool_size;
    // Opened on the relay's first step, after the server is up: the first request never
    // waits for it.
    Store::connect_lazily(&events)
        .await
        .context("cannot open the event relay's database pool (events.pool_size)")
}

#[cfg(test)]
#[path = "open_tests.rs"]
mod tests;
