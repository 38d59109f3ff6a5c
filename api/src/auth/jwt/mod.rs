//! Bearer-JWT authentication: key loading, minting and verification.
//!
//! Every request carries `Authorization: Bearer <jwt>`. This module turns the
//! raw header value into a [`VerifiedToken`] or an [`AuthRejection`] whose
//! reason is meant for server logs only; callers answer the client with a
//! bare `UNAUTHENTICATED`.
//!
//! What is checked here: header shape and size, the algorithm against the
//! pinned list (`none` can never be pinned), the signature with the key that
//! belongs to that algorithm (and `kid` for JWKS keys), `exp` (required,
//! integer), `nbf` (when present), `iat` (not beyond the leeway in the
//! future), the lifetime (at most `max_token_lifetime_days`), `iss`, `aud`,
//! `sub` (non-empty), `jti`, and the `role` / `partner_id` pair, a partner
//! token's `sub` being `partner:<partner_id>`. Revocation and "is the subject
//! still active" are the caller's business.
//!
//! Key-confusion safety: the HS256 key is always the shared secret (`secret`
//! or `secret_file`, the same for every process of a fleet) or else the
//! generated secret in `<data_dir>/jwt-secret`, never bytes of a configured
//! public key, and each algorithm is verified only with a key of its own family.

mod claims;
mod error;
mod key_files;
mod keys;
mod mint;
mod provider_settings;
mod secret;
mod settings;
#[cfg(test)]
mod tests;
mod verify;

pub use claims::{Claims, VerifiedToken};
pub use error::{AuthRejection, JwtError};
pub(super) use key_files::{check_verifier, read_key_file};
pub use keys::JwtKeys;
pub(in crate::auth) use provider_settings::staff_role;
pub use secret::{load_or_create_hs256_secret, resolve_hs256_secret};
pub use settings::{JwtAlgorithm, JwtSettings, SharedSecret};
pub(in crate::auth) use verify::{optional_int, parse_header, rejection_from, split_compact};

/// Name of the HS256 secret file inside the data directory.
pub const SECRET_FILE_NAME: &str = "jwt-secret";
/// Number of random bytes in a generated HS256 secret (and the minimum accepted).
pub const HS256_SECRET_LEN: usize = 64;
/// Largest accepted `leeway_seconds`.
pub const MAX_LEEWAY_SECONDS: u64 = 30;
/// The `role` claim values a token may carry.
pub const KNOWN_ROLES: [&str; 5] = [
    "ADMIN",
    "ACCOUNT_MANAGER",
    "SUPPORT_AGENT",
    "VIEWER",
    PARTNER_ROLE,
];
/// The role that must (and alone may) carry a `partner_id` claim.
pub const PARTNER_ROLE: &str = "PARTNER";
/// A partner token's `sub` is this prefix followed by its `partner_id`.
pub const PARTNER_SUBJECT_PREFIX: &str = "partner:";
/// Largest accepted `max_token_lifetime_days` (ten years).
pub const MAX_TOKEN_LIFETIME_DAYS_LIMIT: u32 = 3650;

/// Largest secret file we are willing to read (a valid one is ~90 bytes).
const MAX_SECRET_FILE_BYTES: u64 = 4096;
/// Message signed and verified at load time to prove a private key matches a public key.
const KEY_PROBE_MESSAGE: &[u8] = b"rapport-jwt-key-probe";
