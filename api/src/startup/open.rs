//! Opening what the server and the commands run on: the data folder, the store (and the
//! event relay's own pool), the API key pepper and the token keys.

use anyhow::Context as _;

use crate::auth::jwt::JwtKeys;
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
    crate::ops::hold_database(settings)?;
    let store = Store::connect(&settings.store())
        .await
        .context("cannot open the database (check database_url / DATABASE_URL)")?;
    if migrate {
        store
            .migrate()
            .await
            .context("cannot apply database migrations")?;
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
    Store::connect(&events)
        .await
        .context("cannot open the event relay's database pool (events.pool_size)")
}

/// Loads the pepper API keys are hashed under (generating it in the data folder on first use
/// when none is configured).
pub fn load_api_keys(settings: &Settings) -> anyhow::Result<crate::auth::api_key::ApiKeys> {
    let pepper = crate::auth::api_key::load_pepper(
        settings.auth.api_key_pepper.as_ref(),
        settings.auth.api_key_pepper_file.as_deref(),
        &settings.data_dir,
    )
    .map_err(|e| anyhow::anyhow!("cannot load the API key pepper: {e}"))?;
    Ok(crate::auth::api_key::ApiKeys::new(pepper))
}

/// Loads the token keys (generating the HS256 secret in the data folder on first use).
pub fn load_keys(settings: &Settings) -> anyhow::Result<JwtKeys> {
    ensure_data_dir(settings)?;
    anyhow::ensure!(
        settings.auth.partner_token_max_days <= i64::from(settings.jwt.max_token_lifetime_days),
        "auth.partner_token_max_days ({}) is above jwt.max_token_lifetime_days ({}): partner \
         tokens that long would be refused; lower the one or raise the other",
        settings.auth.partner_token_max_days,
        settings.jwt.max_token_lifetime_days
    );
    JwtKeys::from_settings(&settings.jwt, &settings.data_dir).context("cannot load JWT keys")
}
