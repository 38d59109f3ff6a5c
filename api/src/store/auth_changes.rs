//! Hearing, in every server process, that the rows authentication caches have changed.
//!
//! The database announces each committed change to `team_members`, `partners` and
//! `revoked_tokens` by itself (triggers, migration `m20261209_000017_auth_changes`), so no write
//! path — present, future, or an operator's SQL — can forget to. Each process listens:
//! - PostgreSQL: a dedicated connection `LISTEN`s on [`CHANNEL`]; the notification arrives when
//!   the writing transaction commits (milliseconds). When the connection drops, the cache is
//!   turned off (every request asks the database) until a new connection listens again, and
//!   then starts empty: what was said while nobody listened is never trusted.
//! - SQLite (one machine): a dedicated read-only connection reads the one-row change counter
//!   every [`POLL_INTERVAL`]; a new value clears the cache. A failed poll turns the cache off
//!   until a poll succeeds again.
//!
//! A process does not clear its cache twice for its own change: its commit already did. Its
//! transactions name their store (`rapport.origin`, a per-store id the PostgreSQL trigger puts
//! in the notification) or note the counter value they committed (SQLite), and the listener
//! skips those. Clearing twice would be safe, only wasteful: a request arriving just after the
//! second clear would read the database again.
//!
//! The dedicated connections do not count in [`Store::statement_count`]: they run on a clock,
//! not per request (SQLite: five one-row reads a second; PostgreSQL: none while idle).

use std::str::FromStr as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use super::connect::sqlite_options;
use super::{Store, StoreError, StoreSettings, Tx};
use crate::auth::cache::AuthCache;

/// The PostgreSQL channel the triggers notify.
pub const CHANNEL: &str = "rapport_auth";

/// How often a SQLite server reads the change counter: a change made by another process is
/// heard within this (plus one read), well inside the one second promised.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How long to wait before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

const COUNTER: &str = "SELECT version FROM auth_changes WHERE id = 1";

/// A store's authentication cache and what it needs to tell its own changes apart.
#[derive(Debug)]
pub(crate) struct AuthSignal {
    pub(crate) cache: AuthCache,
    /// Names this store's transactions in PostgreSQL notifications.
    origin: String,
    /// The highest SQLite change counter this store's own commits reached.
    announced: AtomicI64,
}

impl Default for AuthSignal {
    fn default() -> Self {
        Self {
            cache: AuthCache::default(),
            origin: uuid::Uuid::new_v4().simple().to_string(),
            announced: AtomicI64::new(i64::MIN),
        }
    }
}

impl AuthSignal {
    /// A commit of this store reached the SQLite counter value `counter`.
    pub(super) fn announced(&self, counter: Option<i64>) {
        if let Some(counter) = counter {
            self.announced.fetch_max(counter, Ordering::SeqCst);
        }
    }
}

impl Tx {
    /// Marks that this transaction changes who a caller is (a member, a partner, a
    /// revocation): this process forgets its cached answers as soon as it commits. The
    /// database triggers tell the other processes whether or not this is called.
    pub(super) async fn auth_changed(&self) -> Result<(), StoreError> {
        if self.auth_changed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        if let Some(auth) = &self.auth
            && self.inner.get_database_backend() == DbBackend::Postgres
        {
            self.inner
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT set_config('rapport.origin', $1, true)",
                    [auth.origin.clone().into()],
                ))
                .await?;
        }
        Ok(())
    }

    /// On SQLite, the change counter as this transaction leaves it (read just before commit:
    /// every change up to it is either this transaction's or committed before it, so the
    /// commit's own clearing covers them all).
    pub(super) async fn auth_counter(&self) -> Option<i64> {
        if self.auth.is_none() || self.inner.get_database_backend() != DbBackend::Sqlite {
            return None;
        }
        let row = self
            .inner
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, COUNTER))
            .await
            .ok()??;
        row.try_get::<i64>("", "version").ok()
    }
}

impl Store {
    /// Starts listening for changes to who a caller is, and turns the authentication cache on
    /// once the first listening connection works (this call waits for that first attempt, so
    /// a server answers its first requests from the cache already). Without it the cache
    /// stays off: a process that cannot hear changes never caches.
    pub async fn watch_auth_changes(&self, settings: &StoreSettings) {
        let cache = Arc::downgrade(&self.auth);
        if self.is_sqlite() {
            let mut poller = SqlitePoller {
                settings: settings.clone(),
                conn: None,
                last: None,
                warned: false,
            };
            poller.poll(&self.auth).await;
            tokio::spawn(poller.run(cache));
        } else {
            let url = settings.url.clone();
            let listener = match listen(&url).await {
                Ok(listener) => {
                    self.auth.cache.set_live(true);
                    Some(listener)
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for authentication changes; authenticating from the database until it works");
                    None
                }
            };
            tokio::spawn(run_listener(cache, url, listener));
        }
    }
}

async fn listen(url: &str) -> Result<PgListener, StoreError> {
    let db = |e: sea_orm::sqlx::Error| StoreError::Db(sea_orm::DbErr::Custom(e.to_string()));
    // sqlx's `PgListener::connect(url)` would take sqlx's TLS default (`prefer`), negotiating
    // TLS with a local server: the same local-in-clear rule as the pools applies.
    let options = PgConnectOptions::from_str(url).map_err(db)?;
    let options = super::pg_tls::local_in_clear(url)(options);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await
        .map_err(db)?;
    let mut listener = PgListener::connect_with(&pool).await.map_err(db)?;
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await.map_err(db)?;
    Ok(listener)
}

async fn run_listener(cache: Weak<AuthSignal>, url: String, mut listener: Option<PgListener>) {
    loop {
        let mut current = match listener.take() {
            Some(listener) => listener,
            None => {
                tokio::time::sleep(RETRY).await;
                let Some(cache) = cache.upgrade() else {
                    return;
                };
                match listen(&url).await {
                    Ok(listener) => {
                        tracing::info!("listening for authentication changes again");
                        cache.cache.set_live(true);
                        listener
                    }
                    Err(err) => {
                        tracing::debug!(error = %err, "still cannot listen for authentication changes");
                        continue;
                    }
                }
            }
        };
        loop {
            let heard = current.try_recv().await;
            let Some(cache) = cache.upgrade() else {
                return;
            };
            match heard {
                // This store's own commit already cleared the cache.
                Ok(Some(note)) if note.payload() == cache.origin => {}
                Ok(Some(_)) => cache.cache.invalidate(),
                Ok(None) | Err(_) => {
                    tracing::warn!(
                        "lost the connection listening for authentication changes; authenticating from the database until it is back"
                    );
                    cache.cache.set_live(false);
                    break;
                }
            }
        }
    }
}

struct SqlitePoller {
    settings: StoreSettings,
    conn: Option<DatabaseConnection>,
    /// The counter last read; `None` while the cache is off.
    last: Option<i64>,
    /// Whether the current outage was logged.
    warned: bool,
}

impl SqlitePoller {
    async fn run(mut self, cache: Weak<AuthSignal>) {
        let mut ticks = tokio::time::interval(POLL_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(cache) = cache.upgrade() else {
                return;
            };
            self.poll(&cache).await;
        }
    }

    async fn poll(&mut self, signal: &AuthSignal) {
        let cache = &signal.cache;
        match self.read().await {
            Ok(version) if self.last == Some(version) => {}
            Ok(version) => {
                match self.last {
                    // Up to what this store's own commits reached, the cache was cleared then.
                    Some(_) if version <= signal.announced.load(Ordering::SeqCst) => {}
                    Some(_) => cache.invalidate(),
                    None => {
                        cache.set_live(true);
                        self.warned = false;
                    }
                }
                self.last = Some(version);
            }
            Err(err) => {
                if self.last.take().is_some() || !self.warned {
                    tracing::warn!(error = %err, "cannot read the authentication change counter; authenticating from the database until it works");
                    self.warned = true;
                }
                cache.set_live(false);
                self.conn = None;
            }
        }
    }

    async fn read(&mut self) -> Result<i64, StoreError> {
        let conn = match &self.conn {
            Some(conn) => conn,
            None => self
                .conn
                .insert(Database::connect(sqlite_options(&self.settings, 1, true)).await?),
        };
        let row = conn
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, COUNTER))
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<i64>("", "version")?)
    }
}
