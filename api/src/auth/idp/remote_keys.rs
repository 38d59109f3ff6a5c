//! The provider's keys in memory: fetched on start and when they expire, fetched again when a
//! token names an unknown `kid` (a key rotated in at the provider) but never more often than
//! every `jwks_refresh_seconds`, and kept past their expiry for `jwks_stale_seconds` while the
//! provider cannot be fetched.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;

use super::fetch::JwksSource;
use crate::auth::jwks::{JwksKey, parse_jwk_set};
use crate::auth::jwt::{AuthRejection, JwtAlgorithm};

/// Shortest `Cache-Control: max-age` honoured: a provider answering `max-age=0` must not make
/// every request a fetch.
pub const MIN_MAX_AGE: Duration = Duration::from_secs(60);
/// Longest `max-age` honoured.
pub const MAX_MAX_AGE: Duration = Duration::from_secs(86_400);

/// Time, injectable so tests can step it.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// How keys are cached and refreshed.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    /// Lifetime of fetched keys without a usable `max-age`.
    pub default_ttl: Duration,
    /// Fewest time between two fetches.
    pub refresh_interval: Duration,
    /// How long past expiry the last good keys serve while fetches fail.
    pub stale_for: Duration,
}

impl CachePolicy {
    fn ttl(&self, max_age: Option<Duration>) -> Duration {
        max_age.map_or(self.default_ttl, |age| age.clamp(MIN_MAX_AGE, MAX_MAX_AGE))
    }
}

#[derive(Default)]
struct State {
    keys: HashMap<String, JwksKey>,
    /// When the keys expire; `None` before the first good fetch.
    fresh_until: Option<Instant>,
    /// When the last fetch started (good or not).
    last_attempt: Option<Instant>,
}

/// What a lookup found.
enum Found {
    Fresh(JwksKey),
    Stale(JwksKey),
    Expired,
    Unknown,
}

/// The provider's keys by `kid`.
pub struct RemoteJwks {
    source: Box<dyn JwksSource>,
    url: String,
    asymmetric: Vec<JwtAlgorithm>,
    policy: CachePolicy,
    clock: Clock,
    state: Mutex<State>,
    /// One fetch at a time: concurrent requests wait for it instead of starting their own.
    fetching: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("url", &self.url)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl RemoteJwks {
    /// Keys from `source` (labelled `url` in logs) for the pinned asymmetric algorithms.
    pub fn new(
        source: Box<dyn JwksSource>,
        url: &str,
        asymmetric: Vec<JwtAlgorithm>,
        policy: CachePolicy,
        clock: Clock,
    ) -> Self {
        Self {
            source,
            url: url.to_owned(),
            asymmetric,
            policy,
            clock,
            state: Mutex::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many fetches were started so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// The `kid`s currently held, sorted.
    pub fn kids(&self) -> Vec<String> {
        let mut kids: Vec<String> = self.lock().keys.keys().cloned().collect();
        kids.sort_unstable();
        kids
    }

    /// The first fetch, at start. Whether it worked; a failure is logged and leaves the keys
    /// to be fetched by the first provider token.
    pub async fn prime(&self) -> bool {
        self.refresh("start").await;
        self.lock().fresh_until.is_some()
    }

    /// The key for `kid`, checked against the token's `alg`.
    pub async fn key(&self, kid: &str, alg: JwtAlgorithm) -> Result<DecodingKey, AuthRejection> {
        let found = match self.find(kid) {
            Found::Fresh(key) => return checked(key, alg),
            Found::Stale(_) | Found::Expired => {
                self.refresh("expired").await;
                self.find(kid)
            }
            Found::Unknown => {
                self.refresh("unknown kid").await;
                self.find(kid)
            }
        };
        match found {
            Found::Fresh(key) => checked(key, alg),
            Found::Stale(key) => {
                tracing::debug!(url = %self.url, kid, "serving a stale JWKS key");
                checked(key, alg)
            }
            Found::Expired => Err(AuthRejection::KeysUnavailable),
            Found::Unknown => {
                if self.lock().fresh_until.is_none() {
                    Err(AuthRejection::KeysUnavailable)
                } else {
                    Err(AuthRejection::UnknownKeyId)
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn find(&self, kid: &str) -> Found {
        let now = (self.clock)();
        let state = self.lock();
        let Some(fresh_until) = state.fresh_until else {
            return Found::Unknown;
        };
        let Some(key) = state.keys.get(kid) else {
            return Found::Unknown;
        };
        if now < fresh_until {
            Found::Fresh(key.clone())
        } else if now < fresh_until + self.policy.stale_for {
            Found::Stale(key.clone())
        } else {
            Found::Expired
        }
    }

    /// Fetches unless a fetch started less than `refresh_interval` ago (then the keys held are
    /// the answer). Failures keep the last good keys.
    async fn refresh(&self, why: &'static str) {
        let _one_at_a_time = self.fetching.lock().await;
        let now = (self.clock)();
        {
            let mut state = self.lock();
            if state
                .last_attempt
                .is_some_and(|at| now < at + self.policy.refresh_interval)
            {
                return;
            }
            state.last_attempt = Some(now);
        }
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let result = match self.source.fetch().await {
            Ok(fetched) => parse_jwk_set(&fetched.body, &self.asymmetric, &self.url, false)
                .map(|keys| (keys, fetched.max_age)),
            Err(err) => Err(err.to_string()),
        };
        let mut state = self.lock();
        match result {
            Ok((keys, max_age)) => {
                let ttl = self.policy.ttl(max_age);
                let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
                kids.sort_unstable();
                tracing::info!(
                    url = %self.url, why, kids = ?kids, ttl_seconds = ttl.as_secs(),
                    "identity provider keys fetched"
                );
                state.keys = keys;
                state.fresh_until = Some(now + ttl);
            }
            Err(reason) => match state.fresh_until {
                Some(until) if now < until + self.policy.stale_for => tracing::warn!(
                    url = %self.url, why, error = %reason,
                    stale_seconds_left = (until + self.policy.stale_for - now).as_secs(),
                    "cannot fetch the identity provider's keys; keeping the last good ones"
                ),
                Some(_) => tracing::error!(
                    url = %self.url, why, error = %reason,
                    "cannot fetch the identity provider's keys, and the last good ones are \
                     past jwks_stale_seconds: provider tokens are refused"
                ),
                None => tracing::error!(
                    url = %self.url, why, error = %reason,
                    "cannot fetch the identity provider's keys: provider tokens are refused \
                     until a fetch succeeds"
                ),
            },
        }
    }
}

fn checked(key: JwksKey, alg: JwtAlgorithm) -> Result<DecodingKey, AuthRejection> {
    if key.alg == alg {
        Ok(key.key)
    } else {
        Err(AuthRejection::KeyAlgorithmMismatch)
    }
}

#[cfg(test)]
#[path = "remote_keys_tests.rs"]
mod tests;
