//! API keys: machine credentials sent as `Authorization: Bearer <key>` beside JWTs.
//!
//! A key reads `rpk_live_<lookup>_<secret>` (a staff service account's) or
//! `rpp_live_<lookup>_<secret>` (a partner's): the prefix names its kind and tells it apart
//! from a JWT (which starts `eyJ`); `lookup` (16 hex digits) finds its row; `secret` (64 hex
//! digits, 256 random bits) is never stored. The database keeps HMAC-SHA256 of the key under
//! a server-side pepper (`auth.api_key_pepper` or the file `auth.api_key_pepper_file`,
//! generated in the data folder by default), compared in constant time: a copy of the
//! database alone cannot be used to sign in, nor to test guesses offline.

mod pepper;

pub use pepper::load_pepper;

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use lru::LruCache;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

/// The prefix of a staff service account's key.
pub const STAFF_PREFIX: &str = "rpk_live_";
/// The prefix of a partner service account's key.
pub const PARTNER_PREFIX: &str = "rpp_live_";
/// How often a key's last use is written, at most, per key and process (and the database
/// skips the write when another process wrote within this).
pub const LAST_USE_GAP: Duration = Duration::from_secs(60);

const LOOKUP_LEN: usize = 16;
const SECRET_LEN: usize = 64;

/// Whose key it is, as its prefix says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A staff service account's (`rpk_live_`).
    Staff,
    /// A partner service account's (`rpp_live_`).
    Partner,
}

impl KeyKind {
    /// The prefix keys of this kind carry.
    pub const fn prefix(self) -> &'static str {
        match self {
            KeyKind::Staff => STAFF_PREFIX,
            KeyKind::Partner => PARTNER_PREFIX,
        }
    }
}

/// A bearer value that has the shape of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresentedKey<'a> {
    /// Its kind, from the prefix.
    pub kind: KeyKind,
    /// The public lookup id.
    pub lookup: &'a str,
    whole: &'a str,
}

/// Whether a bearer value is meant as an API key (its prefix), whether or not it is valid.
pub fn is_api_key(token: &str) -> bool {
    token.starts_with("rpk_") || token.starts_with("rpp_")
}

/// Parses a bearer value as an API key; `None` when it does not have a key's exact shape.
pub fn parse(token: &str) -> Option<PresentedKey<'_>> {
    let (kind, rest) = if let Some(rest) = token.strip_prefix(STAFF_PREFIX) {
        (KeyKind::Staff, rest)
    } else {
        (KeyKind::Partner, token.strip_prefix(PARTNER_PREFIX)?)
    };
    let (lookup, secret) = rest.split_once('_')?;
    let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (lookup.len() == LOOKUP_LEN && secret.len() == SECRET_LEN && hex(lookup) && hex(secret))
        .then_some(PresentedKey {
            kind,
            lookup,
            whole: token,
        })
}

/// A new key: the text shown once, and what is stored.
#[derive(Debug, Clone)]
pub struct MintedKey {
    /// The whole key, shown to its creator once.
    pub key: String,
    /// Its public lookup id.
    pub lookup: String,
    /// The keyed hash to store.
    pub secret_hash: String,
}

/// Mints, hashes and checks API keys under the server's pepper, and paces the writes of their
/// last use.
pub struct ApiKeys {
    pepper: SecretSlice<u8>,
    last_use: Mutex<LruCache<i64, Instant>>,
    token_use: Mutex<LruCache<String, Instant>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys")
            .field("pepper", &"<redacted>")
            .finish()
    }
}

impl ApiKeys {
    /// Keys hashed under `pepper`.
    pub fn new(pepper: SecretSlice<u8>) -> Self {
        Self {
            pepper,
            last_use: Mutex::new(LruCache::new(
                NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            )),
            token_use: Mutex::new(LruCache::new(
                NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        Hmac::<Sha256>::new_from_slice(self.pepper.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"))
    }

    /// The stored form of a whole key.
    pub fn hash(&self, key: &str) -> String {
        let mut mac = self.mac();
        mac.update(key.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `presented` is the key whose stored hash is `stored` (constant-time).
    pub fn verify(&self, presented: &PresentedKey<'_>, stored: &str) -> bool {
        let Ok(stored) = URL_SAFE_NO_PAD.decode(stored) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(presented.whole.as_bytes());
        mac.verify_slice(&stored).is_ok()
    }

    /// A new random key of `kind`.
    pub fn mint(&self, kind: KeyKind) -> MintedKey {
        let lookup: [u8; LOOKUP_LEN / 2] = rand::random();
        let secret: [u8; SECRET_LEN / 2] = rand::random();
        let lookup = to_hex(&lookup);
        let key = format!("{}{lookup}_{}", kind.prefix(), to_hex(&secret));
        MintedKey {
            secret_hash: self.hash(&key),
            lookup,
            key,
        }
    }

    /// Whether this process should record a use of key `id` now (at most once per
    /// [`LAST_USE_GAP`]); marks it recorded.
    pub fn due_for_last_use(&self, id: i64) -> bool {
        self.last_use
            .lock()
            .is_ok_and(|mut seen| due(&mut seen, id))
    }

    /// Whether this process should record a use of the partner token `token_id` now (at most
    /// once per [`LAST_USE_GAP`]); marks it recorded.
    pub fn due_for_token_use(&self, token_id: &str) -> bool {
        self.token_use
            .lock()
            .is_ok_and(|mut seen| due(&mut seen, token_id.to_owned()))
    }
}

fn due<K: std::hash::Hash + Eq>(seen: &mut LruCache<K, Instant>, key: K) -> bool {
    let now = Instant::now();
    match seen.get(&key) {
        Some(at) if now.duration_since(*at) < LAST_USE_GAP => false,
        _ => {
            seen.put(key, now);
            true
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
