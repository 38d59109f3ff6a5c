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
//! Key-confusion safety: the HS256 key is always the generated secret in
//! `<data_dir>/jwt-secret`, never bytes of a configured public key, and each
//! algorithm is verified only with a key of its own family.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::TryRngCore as _;
use secrecy::zeroize::Zeroize as _;
use secrecy::{ExposeSecret as _, SecretSlice};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::jwks::{JwksKey, load_jwks};

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

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/// A signature algorithm that may be pinned. Spelled exactly as in JOSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with the generated secret in `<data_dir>/jwt-secret`.
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl JwtAlgorithm {
    /// The JOSE `alg` name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Whether the algorithm uses a public/private key pair.
    pub const fn is_asymmetric(self) -> bool {
        !matches!(self, Self::HS256)
    }

    /// Exact (case-sensitive) match on the JOSE `alg` name.
    fn from_jose_name(name: &str) -> Option<Self> {
        match name {
            "HS256" => Some(Self::HS256),
            "RS256" => Some(Self::RS256),
            "ES256" => Some(Self::ES256),
            "EdDSA" => Some(Self::EdDSA),
            _ => None,
        }
    }

    pub(super) const fn to_jsonwebtoken(self) -> Algorithm {
        match self {
            Self::HS256 => Algorithm::HS256,
            Self::RS256 => Algorithm::RS256,
            Self::ES256 => Algorithm::ES256,
            Self::EdDSA => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// JWT configuration. Every field has a default, unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// Required `iss` of every token, and the `iss` of minted tokens.
    pub issuer: String,
    /// Required `aud` of every token, and the `aud` of minted tokens.
    pub audience: String,
    /// The only algorithms accepted, in order of preference for minting.
    pub algorithms: Vec<JwtAlgorithm>,
    /// Clock skew tolerated on `exp` and `nbf`, at most [`MAX_LEEWAY_SECONDS`].
    #[serde(deserialize_with = "deserialize_leeway")]
    pub leeway_seconds: u64,
    /// PEM public key (SPKI) for the pinned RS256 / ES256 / EdDSA algorithm.
    pub public_key_pem: Option<PathBuf>,
    /// JWKS file; keys are selected by `kid` and must declare a pinned `alg`.
    pub jwks_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, or PKCS#1 for RSA) used to mint asymmetric tokens.
    pub private_key_pem: Option<PathBuf>,
    /// Longest accepted `Authorization` value, checked before any decoding.
    pub max_token_bytes: usize,
    /// Longest token lifetime accepted (`exp - iat`, or `exp - now` without `iat`), in days.
    /// Partner tokens live up to `auth.partner_token_max_days`, which must fit in it.
    pub max_token_lifetime_days: u32,
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            issuer: "rapport".to_owned(),
            audience: "rapport-api".to_owned(),
            algorithms: vec![JwtAlgorithm::HS256],
            leeway_seconds: 5,
            public_key_pem: None,
            jwks_file: None,
            private_key_pem: None,
            max_token_bytes: 8192,
            max_token_lifetime_days: 366,
        }
    }
}

fn deserialize_leeway<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = u64::deserialize(deserializer)?;
    if value > MAX_LEEWAY_SECONDS {
        return Err(serde::de::Error::custom(format!(
            "leeway_seconds = {value} is above the maximum of {MAX_LEEWAY_SECONDS} seconds"
        )));
    }
    Ok(value)
}

impl JwtSettings {
    /// Checks the values that do not need any file. Called by [`JwtKeys::from_settings`].
    pub fn validate(&self) -> Result<(), JwtError> {
        if self.leeway_seconds > MAX_LEEWAY_SECONDS {
            return Err(JwtError::InvalidSetting {
                setting: "leeway_seconds",
                reason: format!(
                    "{} is above the maximum of {MAX_LEEWAY_SECONDS} seconds",
                    self.leeway_seconds
                ),
            });
        }
        if self.algorithms.is_empty() {
            return Err(JwtError::InvalidSetting {
                setting: "algorithms",
                reason: "at least one algorithm must be pinned".to_owned(),
            });
        }
        if self.issuer.trim().is_empty() {
            return Err(JwtError::InvalidSetting {
                setting: "issuer",
                reason: "must not be empty".to_owned(),
            });
        }
        if self.audience.trim().is_empty() {
            return Err(JwtError::InvalidSetting {
                setting: "audience",
                reason: "must not be empty".to_owned(),
            });
        }
        if self.max_token_lifetime_days == 0
            || self.max_token_lifetime_days > MAX_TOKEN_LIFETIME_DAYS_LIMIT
        {
            return Err(JwtError::InvalidSetting {
                setting: "max_token_lifetime_days",
                reason: format!(
                    "{} is not between 1 and {MAX_TOKEN_LIFETIME_DAYS_LIMIT} days",
                    self.max_token_lifetime_days
                ),
            });
        }
        if self.max_token_bytes == 0 {
            return Err(JwtError::InvalidSetting {
                setting: "max_token_bytes",
                reason: "must be greater than 0".to_owned(),
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Configuration, key-loading and minting errors. Messages name the setting or file.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// A setting has an unusable value, or settings contradict each other.
    #[error("invalid JWT setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The offending setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The HS256 secret file exists but cannot be used. It is never regenerated silently.
    #[error(
        "JWT secret file {} is unusable: {reason}; restore it, or delete it to generate a new \
         secret (which invalidates every HS256 token issued so far)",
        path.display()
    )]
    CorruptSecret {
        /// The secret file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A configured key file (PEM or JWKS) cannot be used.
    #[error("JWT setting `{setting}` ({}): {reason}", path.display())]
    InvalidKeyFile {
        /// The setting that names the file.
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A token could not be minted.
    #[error("cannot mint a JWT: {0}")]
    Mint(String),
    /// The operating system's random generator failed.
    #[error("cannot generate the JWT secret: the OS random generator failed: {0}")]
    Randomness(String),
}

/// Why a request's credentials were refused. For server logs only: clients get
/// a bare `UNAUTHENTICATED`. `Display` gives a human sentence, [`Self::code`] a
/// stable snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthRejection {
    /// The `Authorization` value is empty.
    MissingCredentials,
    /// The value (or token) is longer than `max_token_bytes`.
    TooLarge,
    /// The value is not UTF-8.
    NotUtf8,
    /// The value is not `<scheme> <credentials>` with a single space.
    MalformedAuthorization,
    /// The scheme is not `Bearer`.
    NotBearer,
    /// The token is not three base64url segments with JSON header and payload.
    MalformedToken,
    /// The header `alg` is not one of the pinned algorithms (this covers `none`).
    AlgorithmNotAllowed,
    /// The header carries `crit`, which no extension here understands.
    UnsupportedCriticalHeader,
    /// The signature segment is empty.
    MissingSignature,
    /// A JWKS key is needed but the header has no `kid`.
    MissingKeyId,
    /// The header `kid` is not in the JWKS file.
    UnknownKeyId,
    /// The JWKS key named by `kid` is for another algorithm than the header `alg`.
    KeyAlgorithmMismatch,
    /// No configured key can verify this algorithm.
    NoKeyForAlgorithm,
    /// The configured key could not be used by the crypto backend.
    KeyUnusable,
    /// The signature does not verify.
    InvalidSignature,
    /// `exp` is in the past, beyond the leeway.
    Expired,
    /// `nbf` is in the future, beyond the leeway.
    NotYetValid,
    /// `iat` is in the future, beyond the leeway.
    IssuedInTheFuture,
    /// `exp - iat` (or `exp - now` without `iat`) is above `max_token_lifetime_days`.
    LifetimeTooLong,
    /// A partner token whose `sub` is not the subject of its `partner_id`.
    PartnerSubjectMismatch,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` is not the configured audience.
    WrongAudience,
    /// A required claim is absent (or, for `exp`, not a non-negative number).
    MissingClaim(&'static str),
    /// A claim has the wrong type or an empty value.
    InvalidClaim(&'static str),
    /// `role` is not one of [`KNOWN_ROLES`].
    UnknownRole,
    /// `role` is `PARTNER` but there is no non-empty `partner_id`.
    PartnerWithoutPartnerId,
    /// `partner_id` is present but `role` is not `PARTNER`.
    PartnerIdWithoutPartnerRole,
    /// The JWT library refused the token for another reason.
    VerificationFailed,
}

impl AuthRejection {
    /// A stable snake_case code for structured logs.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MissingCredentials => "missing_credentials",
            Self::TooLarge => "too_large",
            Self::NotUtf8 => "not_utf8",
            Self::MalformedAuthorization => "malformed_authorization",
            Self::NotBearer => "not_bearer",
            Self::MalformedToken => "malformed_token",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::UnsupportedCriticalHeader => "unsupported_critical_header",
            Self::MissingSignature => "missing_signature",
            Self::MissingKeyId => "missing_kid",
            Self::UnknownKeyId => "unknown_kid",
            Self::KeyAlgorithmMismatch => "key_algorithm_mismatch",
            Self::NoKeyForAlgorithm => "no_key_for_algorithm",
            Self::KeyUnusable => "key_unusable",
            Self::InvalidSignature => "invalid_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInTheFuture => "issued_in_the_future",
            Self::LifetimeTooLong => "lifetime_too_long",
            Self::PartnerSubjectMismatch => "partner_subject_mismatch",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::MissingClaim(_) => "missing_claim",
            Self::InvalidClaim(_) => "invalid_claim",
            Self::UnknownRole => "unknown_role",
            Self::PartnerWithoutPartnerId => "partner_without_partner_id",
            Self::PartnerIdWithoutPartnerRole => "partner_id_without_partner_role",
            Self::VerificationFailed => "verification_failed",
        }
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingCredentials => f.write_str("empty Authorization value"),
            Self::TooLarge => f.write_str("Authorization value longer than max_token_bytes"),
            Self::NotUtf8 => f.write_str("Authorization value is not UTF-8"),
            Self::MalformedAuthorization => {
                f.write_str("Authorization value is not `<scheme> <token>`")
            }
            Self::NotBearer => f.write_str("Authorization scheme is not Bearer"),
            Self::MalformedToken => f.write_str("token is not a well-formed compact JWS"),
            Self::AlgorithmNotAllowed => f.write_str("token algorithm is not pinned"),
            Self::UnsupportedCriticalHeader => f.write_str("token header has a `crit` parameter"),
            Self::MissingSignature => f.write_str("token has an empty signature"),
            Self::MissingKeyId => f.write_str("token has no `kid` but keys come from a JWKS"),
            Self::UnknownKeyId => f.write_str("token `kid` is not in the JWKS"),
            Self::KeyAlgorithmMismatch => {
                f.write_str("token `alg` differs from the `alg` of the JWKS key named by `kid`")
            }
            Self::NoKeyForAlgorithm => f.write_str("no configured key for the token algorithm"),
            Self::KeyUnusable => f.write_str("configured key is unusable for verification"),
            Self::InvalidSignature => f.write_str("token signature does not verify"),
            Self::Expired => f.write_str("token expired"),
            Self::NotYetValid => f.write_str("token not yet valid (nbf)"),
            Self::IssuedInTheFuture => f.write_str("token issued in the future (iat)"),
            Self::LifetimeTooLong => f.write_str("token lifetime is above max_token_lifetime_days"),
            Self::PartnerSubjectMismatch => {
                f.write_str("PARTNER token whose sub is not `partner:<partner_id>`")
            }
            Self::WrongIssuer => f.write_str("token issuer is not the configured issuer"),
            Self::WrongAudience => f.write_str("token audience is not the configured audience"),
            Self::MissingClaim(claim) => write!(f, "token lacks the `{claim}` claim"),
            Self::InvalidClaim(claim) => write!(f, "token claim `{claim}` is invalid"),
            Self::UnknownRole => f.write_str("token role is unknown"),
            Self::PartnerWithoutPartnerId => f.write_str("PARTNER token without partner_id"),
            Self::PartnerIdWithoutPartnerRole => {
                f.write_str("token has partner_id but its role is not PARTNER")
            }
            Self::VerificationFailed => f.write_str("token verification failed"),
        }
    }
}

impl std::error::Error for AuthRejection {}

// ---------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------

/// The claims Rapport mints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject (user id).
    pub sub: String,
    /// One of [`KNOWN_ROLES`].
    pub role: String,
    /// Present exactly when `role` is `PARTNER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not-before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issued-at, seconds since the epoch.
    pub iat: i64,
    /// Token id (uuid v4 for minted tokens), for revocation.
    pub jti: String,
}

/// What a verified token says. Revocation and subject status are still to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// `sub`, non-empty.
    pub subject: String,
    /// `role`, one of [`KNOWN_ROLES`].
    pub role: String,
    /// `partner_id`, `Some` exactly when `role` is `PARTNER`.
    pub partner_id: Option<String>,
    /// `jti`, non-empty.
    pub token_id: String,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
}

fn check_role(subject: &str, role: &str, partner_id: Option<&str>) -> Result<(), AuthRejection> {
    if !KNOWN_ROLES.contains(&role) {
        return Err(AuthRejection::UnknownRole);
    }
    match (role == PARTNER_ROLE, partner_id) {
        (true, None | Some("")) => Err(AuthRejection::PartnerWithoutPartnerId),
        (false, Some(_)) => Err(AuthRejection::PartnerIdWithoutPartnerRole),
        // One partner, one subject: a token cannot act for a partner under another name.
        (true, Some(partner_id))
            if subject.strip_prefix(PARTNER_SUBJECT_PREFIX) != Some(partner_id) =>
        {
            Err(AuthRejection::PartnerSubjectMismatch)
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// HS256 secret
// ---------------------------------------------------------------------------

/// Reads `<data_dir>/jwt-secret` (base64 of at least 64 bytes), or creates it
/// with 64 bytes from the OS CSPRNG, written atomically with mode 0600 on unix.
/// An unreadable, corrupt or short file is an error, never regenerated.
pub fn load_or_create_hs256_secret(data_dir: &Path) -> Result<SecretSlice<u8>, JwtError> {
    let path = data_dir.join(SECRET_FILE_NAME);
    match read_secret_file(&path) {
        Err(JwtError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            create_secret_file(data_dir, &path)
        }
        other => other,
    }
}

fn read_secret_file(path: &Path) -> Result<SecretSlice<u8>, JwtError> {
    let io_error = |source| JwtError::Io {
        what: "cannot read the JWT secret file",
        path: path.to_owned(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(corrupt(path, "it is not a regular file"));
    }
    if metadata.len() > MAX_SECRET_FILE_BYTES {
        return Err(corrupt(
            path,
            format!("it is larger than {MAX_SECRET_FILE_BYTES} bytes"),
        ));
    }
    warn_if_readable_by_others(path, &metadata);
    let mut contents = fs::read(path).map_err(io_error)?;
    let parsed = parse_secret(&contents);
    contents.zeroize();
    parsed.map_err(|reason| corrupt(path, reason))
}

fn parse_secret(contents: &[u8]) -> Result<SecretSlice<u8>, String> {
    let text = std::str::from_utf8(contents).map_err(|_| "it is not UTF-8 text".to_owned())?;
    let mut decoded = STANDARD
        .decode(text.trim())
        .map_err(|_| "it is not valid base64".to_owned())?;
    if decoded.len() < HS256_SECRET_LEN {
        let len = decoded.len();
        decoded.zeroize();
        return Err(format!(
            "it decodes to {len} bytes, at least {HS256_SECRET_LEN} are required"
        ));
    }
    Ok(SecretSlice::from(decoded))
}

fn corrupt(path: &Path, reason: impl Into<String>) -> JwtError {
    JwtError::CorruptSecret {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, metadata: &fs::Metadata) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", mode & 0o777),
            "the JWT secret file is accessible to group or others; chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _metadata: &fs::Metadata) {}

fn create_secret_file(data_dir: &Path, path: &Path) -> Result<SecretSlice<u8>, JwtError> {
    fs::create_dir_all(data_dir).map_err(|source| JwtError::Io {
        what: "cannot create the data directory",
        path: data_dir.to_owned(),
        source,
    })?;

    let mut raw = vec![0_u8; HS256_SECRET_LEN];
    if let Err(err) = rand::rngs::OsRng.try_fill_bytes(&mut raw) {
        return Err(JwtError::Randomness(err.to_string()));
    }
    let mut encoded = STANDARD.encode(&raw);
    encoded.push('\n');

    let tmp = data_dir.join(format!(
        ".{SECRET_FILE_NAME}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let written = write_new_private_file(&tmp, encoded.as_bytes());
    encoded.zeroize();
    if let Err(source) = written {
        remove_quietly(&tmp);
        raw.zeroize();
        return Err(JwtError::Io {
            what: "cannot write the temporary JWT secret file",
            path: tmp,
            source,
        });
    }

    // A hard link publishes the complete file atomically and, unlike rename,
    // never replaces a secret that a concurrent process published first.
    match fs::hard_link(&tmp, path) {
        Ok(()) => remove_quietly(&tmp),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            remove_quietly(&tmp);
            raw.zeroize();
            tracing::debug!(path = %path.display(), "another process created the JWT secret first");
            return read_secret_file(path);
        }
        Err(link_err) => {
            tracing::debug!(error = %link_err, "hard link unsupported; publishing the JWT secret by rename");
            if let Err(source) = fs::rename(&tmp, path) {
                remove_quietly(&tmp);
                raw.zeroize();
                return Err(JwtError::Io {
                    what: "cannot move the new JWT secret into place at",
                    path: path.to_owned(),
                    source,
                });
            }
        }
    }
    sync_directory(data_dir);
    tracing::info!(path = %path.display(), "generated a new HS256 JWT secret");
    Ok(SecretSlice::from(raw))
}

fn write_new_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn remove_quietly(path: &Path) {
    if let Err(err) = fs::remove_file(path)
        && err.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %err, "cannot remove a temporary file");
    }
}

fn sync_directory(dir: &Path) {
    #[cfg(unix)]
    if let Err(err) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(path = %dir.display(), error = %err, "cannot fsync the data directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum PublicKeys {
    /// Only HS256 is pinned.
    None,
    /// One key from `public_key_pem`, parsed for each pinned asymmetric algorithm it fits.
    Pem(Vec<(JwtAlgorithm, DecodingKey)>),
    /// Keys from `jwks_file`, by `kid`.
    Jwks(HashMap<String, JwksKey>),
}

#[derive(Clone)]
struct Signer {
    alg: JwtAlgorithm,
    key: EncodingKey,
    kid: Option<String>,
}

/// Verification keys for the pinned algorithms and, when available, a signing key.
#[derive(Clone)]
pub struct JwtKeys {
    issuer: String,
    audience: String,
    pinned: Vec<JwtAlgorithm>,
    leeway_seconds: u64,
    max_token_bytes: usize,
    max_lifetime_seconds: i64,
    validations: Vec<(JwtAlgorithm, Validation)>,
    hs256: Option<DecodingKey>,
    public: PublicKeys,
    signer: Option<Signer>,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let public = match &self.public {
            PublicKeys::None => "none".to_owned(),
            PublicKeys::Pem(keys) => {
                let algs: Vec<&str> = keys.iter().map(|(alg, _)| alg.as_str()).collect();
                format!("pem({})", algs.join(", "))
            }
            PublicKeys::Jwks(keys) => {
                let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
                kids.sort_unstable();
                format!("jwks(kids: {})", kids.join(", "))
            }
        };
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.pinned)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("max_lifetime_seconds", &self.max_lifetime_seconds)
            .field("hs256", &self.hs256.is_some())
            .field("public_keys", &public)
            .field("signing_algorithm", &self.signer.as_ref().map(|s| s.alg))
            .field(
                "signing_kid",
                &self.signer.as_ref().and_then(|s| s.kid.as_deref()),
            )
            .finish()
    }
}

/// Makes the RustCrypto backend the process default. jsonwebtoken 10 picks a
/// backend from its crate features and, if feature unification ever enables
/// both `rust_crypto` and `aws_lc_rs`, panics at the first sign/verify unless
/// one was installed explicitly. Installing twice is harmless.
fn install_crypto_provider() {
    if jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    )
    .is_err()
    {
        tracing::trace!("a jsonwebtoken CryptoProvider was already installed");
    }
}

impl JwtKeys {
    /// Loads every key the settings call for; see the module docs for the rules.
    pub fn from_settings(settings: &JwtSettings, data_dir: &Path) -> Result<Self, JwtError> {
        settings.validate()?;
        install_crypto_provider();

        let mut pinned: Vec<JwtAlgorithm> = Vec::with_capacity(settings.algorithms.len());
        for alg in &settings.algorithms {
            if !pinned.contains(alg) {
                pinned.push(*alg);
            }
        }
        let asymmetric: Vec<JwtAlgorithm> = pinned
            .iter()
            .copied()
            .filter(|alg| alg.is_asymmetric())
            .collect();

        let public = load_public_keys(settings, &asymmetric)?;

        let hs256_secret = if pinned.contains(&JwtAlgorithm::HS256) {
            Some(load_or_create_hs256_secret(data_dir)?)
        } else {
            None
        };
        let hs256 = hs256_secret
            .as_ref()
            .map(|secret| DecodingKey::from_secret(secret.expose_secret()));

        let private_signer = match &settings.private_key_pem {
            Some(path) => Some(load_private_key(path, &asymmetric, &public)?),
            None => None,
        };
        let signer = pinned.iter().find_map(|alg| match alg {
            JwtAlgorithm::HS256 => hs256_secret.as_ref().map(|secret| Signer {
                alg: JwtAlgorithm::HS256,
                key: EncodingKey::from_secret(secret.expose_secret()),
                kid: None,
            }),
            other => private_signer.as_ref().filter(|s| s.alg == *other).cloned(),
        });

        let validations = pinned
            .iter()
            .map(|alg| (*alg, validation_for(*alg, settings)))
            .collect();

        let keys = Self {
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            pinned,
            leeway_seconds: settings.leeway_seconds,
            max_token_bytes: settings.max_token_bytes,
            max_lifetime_seconds: i64::from(settings.max_token_lifetime_days) * 86_400,
            validations,
            hs256,
            public,
            signer,
        };
        tracing::info!(keys = ?keys, "JWT keys loaded");
        Ok(keys)
    }

    /// The algorithm [`Self::mint`] uses, if any key can sign.
    pub fn signing_algorithm(&self) -> Option<JwtAlgorithm> {
        self.signer.as_ref().map(|s| s.alg)
    }

    /// The pinned algorithms, deduplicated, in configuration order.
    pub fn algorithms(&self) -> &[JwtAlgorithm] {
        &self.pinned
    }

    /// Mints a token with the first pinned algorithm that has a signing key.
    /// Returns the compact token, its `jti` (fresh uuid v4) and its expiry.
    pub fn mint(
        &self,
        subject: &str,
        role: &str,
        partner_id: Option<&str>,
        ttl: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<(String, String, DateTime<Utc>), JwtError> {
        let signer = self.signer.as_ref().ok_or_else(|| {
            JwtError::Mint(
                "no signing key: pin HS256 or set private_key_pem for a pinned asymmetric \
                 algorithm"
                    .to_owned(),
            )
        })?;
        if subject.is_empty() {
            return Err(JwtError::Mint("the subject is empty".to_owned()));
        }
        check_role(subject, role, partner_id)
            .map_err(|rejection| JwtError::Mint(rejection.to_string()))?;
        let ttl_seconds = ttl.num_seconds();
        if ttl_seconds < 1 {
            return Err(JwtError::Mint(format!(
                "the ttl must be at least one second, got {ttl}"
            )));
        }
        if ttl_seconds > self.max_lifetime_seconds {
            return Err(JwtError::Mint(format!(
                "the ttl {ttl} is above max_token_lifetime_days = {} days",
                self.max_lifetime_seconds / 86_400
            )));
        }
        let iat = now.timestamp();
        let expires_at = iat
            .checked_add(ttl_seconds)
            .and_then(|exp| DateTime::from_timestamp(exp, 0))
            .ok_or_else(|| JwtError::Mint(format!("the ttl {ttl} is out of range")))?;
        let jti = uuid::Uuid::new_v4().to_string();
        let claims = Claims {
            sub: subject.to_owned(),
            role: role.to_owned(),
            partner_id: partner_id.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: expires_at.timestamp(),
            nbf: None,
            iat,
            jti: jti.clone(),
        };
        let mut header = Header::new(signer.alg.to_jsonwebtoken());
        header.kid.clone_from(&signer.kid);
        let token = jsonwebtoken::encode(&header, &claims, &signer.key)
            .map_err(|err| JwtError::Mint(format!("{} signing failed: {err}", signer.alg)))?;
        let header_len = "Bearer ".len() + token.len();
        if header_len > self.max_token_bytes {
            return Err(JwtError::Mint(format!(
                "the token would need a {header_len}-byte Authorization value, above \
                 max_token_bytes = {}",
                self.max_token_bytes
            )));
        }
        Ok((token, jti, expires_at))
    }

    /// Verifies a raw `Authorization` value: exactly `Bearer <token>` (scheme
    /// case-insensitive, one space), at most `max_token_bytes`, then the token.
    pub fn verify_authorization_header(
        &self,
        header_value: &[u8],
    ) -> Result<VerifiedToken, AuthRejection> {
        if header_value.len() > self.max_token_bytes {
            return Err(AuthRejection::TooLarge);
        }
        if header_value.is_empty() {
            return Err(AuthRejection::MissingCredentials);
        }
        let value = std::str::from_utf8(header_value).map_err(|_| AuthRejection::NotUtf8)?;
        let (scheme, token) = value
            .split_once(' ')
            .ok_or(AuthRejection::MalformedAuthorization)?;
        if !scheme.eq_ignore_ascii_case("Bearer") {
            return Err(AuthRejection::NotBearer);
        }
        self.verify_token(token)
    }

    /// Verifies a bare compact token (no scheme), e.g. from a websocket init payload.
    pub fn verify_token(&self, token: &str) -> Result<VerifiedToken, AuthRejection> {
        if token.len() > self.max_token_bytes {
            return Err(AuthRejection::TooLarge);
        }
        let segments = split_compact(token)?;
        let header = parse_header(segments.header)?;
        let alg = JwtAlgorithm::from_jose_name(&header.alg)
            .filter(|alg| self.pinned.contains(alg))
            .ok_or(AuthRejection::AlgorithmNotAllowed)?;
        if header.crit.is_some() {
            return Err(AuthRejection::UnsupportedCriticalHeader);
        }
        if segments.signature.is_empty() {
            return Err(AuthRejection::MissingSignature);
        }
        let key = self.decoding_key(alg, header.kid.as_deref())?;
        let validation = self
            .validations
            .iter()
            .find(|(pinned, _)| *pinned == alg)
            .map(|(_, validation)| validation)
            .ok_or(AuthRejection::AlgorithmNotAllowed)?;

        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)
            .map_err(|err| rejection_from(&err))?;
        if data.header.alg != alg.to_jsonwebtoken() {
            return Err(AuthRejection::AlgorithmNotAllowed);
        }
        self.checked_claims(&data.claims)
    }

    fn decoding_key(
        &self,
        alg: JwtAlgorithm,
        kid: Option<&str>,
    ) -> Result<&DecodingKey, AuthRejection> {
        if alg == JwtAlgorithm::HS256 {
            return self.hs256.as_ref().ok_or(AuthRejection::NoKeyForAlgorithm);
        }
        match &self.public {
            PublicKeys::None => Err(AuthRejection::NoKeyForAlgorithm),
            PublicKeys::Pem(keys) => keys
                .iter()
                .find(|(key_alg, _)| *key_alg == alg)
                .map(|(_, key)| key)
                .ok_or(AuthRejection::NoKeyForAlgorithm),
            PublicKeys::Jwks(keys) => {
                let kid = kid.ok_or(AuthRejection::MissingKeyId)?;
                let entry = keys.get(kid).ok_or(AuthRejection::UnknownKeyId)?;
                if entry.alg != alg {
                    return Err(AuthRejection::KeyAlgorithmMismatch);
                }
                Ok(&entry.key)
            }
        }
    }

    /// Typed checks on claims the library has already validated (signature,
    /// exp, nbf, iss, aud, presence of sub). Stricter than the library: `iss`
    /// and `aud` must be strings (not arrays) and times must be integers.
    fn checked_claims(&self, claims: &Map<String, Value>) -> Result<VerifiedToken, AuthRejection> {
        let subject = required_str(claims, "sub")?;
        let token_id = required_str(claims, "jti")?;
        let role = required_str(claims, "role")?;
        let partner_id = optional_str(claims, "partner_id")?;
        check_role(subject, role, partner_id)?;
        if required_str(claims, "iss")? != self.issuer {
            return Err(AuthRejection::WrongIssuer);
        }
        if required_str(claims, "aud")? != self.audience {
            return Err(AuthRejection::WrongAudience);
        }
        let exp = optional_int(claims, "exp")?.ok_or(AuthRejection::MissingClaim("exp"))?;
        optional_int(claims, "nbf")?;
        let iat = optional_int(claims, "iat")?;
        self.check_lifetime(iat, exp, Utc::now().timestamp())?;
        let expires_at =
            DateTime::from_timestamp(exp, 0).ok_or(AuthRejection::InvalidClaim("exp"))?;
        Ok(VerifiedToken {
            subject: subject.to_owned(),
            role: role.to_owned(),
            partner_id: partner_id.map(str::to_owned),
            token_id: token_id.to_owned(),
            expires_at,
        })
    }
}

impl JwtKeys {
    /// `iat` no later than now plus the leeway, and a lifetime within the configured
    /// maximum: a leaked token must not stay good for decades, nor a clock-skewed issuer
    /// extend one.
    fn check_lifetime(&self, iat: Option<i64>, exp: i64, now: i64) -> Result<(), AuthRejection> {
        let leeway = i64::try_from(self.leeway_seconds).unwrap_or(i64::MAX);
        if let Some(iat) = iat
            && iat > now.saturating_add(leeway)
        {
            return Err(AuthRejection::IssuedInTheFuture);
        }
        let start = iat.unwrap_or(now);
        if exp.saturating_sub(start) > self.max_lifetime_seconds.saturating_add(leeway) {
            return Err(AuthRejection::LifetimeTooLong);
        }
        Ok(())
    }
}

fn validation_for(alg: JwtAlgorithm, settings: &JwtSettings) -> Validation {
    let mut validation = Validation::new(alg.to_jsonwebtoken());
    validation.leeway = settings.leeway_seconds;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[settings.issuer.as_str()]);
    validation.set_audience(&[settings.audience.as_str()]);
    validation
}

// ---------------------------------------------------------------------------
// Token parsing helpers
// ---------------------------------------------------------------------------

struct Segments<'a> {
    header: &'a str,
    signature: &'a str,
}

fn split_compact(token: &str) -> Result<Segments<'_>, AuthRejection> {
    let base64url_or_dot = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    if token.is_empty() || !token.bytes().all(base64url_or_dot) {
        return Err(AuthRejection::MalformedToken);
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(signature), None)
            if !header.is_empty() && !payload.is_empty() =>
        {
            Ok(Segments { header, signature })
        }
        _ => Err(AuthRejection::MalformedToken),
    }
}

/// The header fields looked at before the library parses the header again.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

fn parse_header(segment: &str) -> Result<RawHeader, AuthRejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| AuthRejection::MalformedToken)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthRejection::MalformedToken)
}

fn required_str<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, AuthRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(AuthRejection::MissingClaim(name)),
        Some(Value::String(value)) if !value.is_empty() => Ok(value),
        Some(_) => Err(AuthRejection::InvalidClaim(name)),
    }
}

fn optional_str<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
) -> Result<Option<&'a str>, AuthRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(AuthRejection::InvalidClaim(name)),
    }
}

fn optional_int(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<i64>, AuthRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .map(Some)
            .ok_or(AuthRejection::InvalidClaim(name)),
    }
}

fn static_claim_name(name: &str) -> &'static str {
    match name {
        "exp" => "exp",
        "nbf" => "nbf",
        "sub" => "sub",
        "iss" => "iss",
        "aud" => "aud",
        _ => "other",
    }
}

fn rejection_from(err: &jsonwebtoken::errors::Error) -> AuthRejection {
    match err.kind() {
        ErrorKind::InvalidSignature => AuthRejection::InvalidSignature,
        ErrorKind::ExpiredSignature => AuthRejection::Expired,
        ErrorKind::ImmatureSignature => AuthRejection::NotYetValid,
        ErrorKind::InvalidIssuer => AuthRejection::WrongIssuer,
        ErrorKind::InvalidAudience => AuthRejection::WrongAudience,
        ErrorKind::MissingRequiredClaim(name) => {
            AuthRejection::MissingClaim(static_claim_name(name))
        }
        ErrorKind::InvalidClaimFormat(name) => AuthRejection::InvalidClaim(static_claim_name(name)),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName => AuthRejection::AlgorithmNotAllowed,
        ErrorKind::InvalidKeyFormat
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_) => AuthRejection::KeyUnusable,
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => AuthRejection::MalformedToken,
        _ => AuthRejection::VerificationFailed,
    }
}

// ---------------------------------------------------------------------------
// Public key loading (PEM and JWKS)
// ---------------------------------------------------------------------------

fn load_public_keys(
    settings: &JwtSettings,
    asymmetric: &[JwtAlgorithm],
) -> Result<PublicKeys, JwtError> {
    let names: Vec<&str> = asymmetric.iter().map(|alg| alg.as_str()).collect();
    match (&settings.public_key_pem, &settings.jwks_file) {
        (Some(_), Some(_)) => Err(JwtError::InvalidSetting {
            setting: "jwks_file",
            reason: "public_key_pem and jwks_file are both set; configure exactly one".to_owned(),
        }),
        (pem, jwks) if asymmetric.is_empty() => {
            let unused = [
                ("public_key_pem", pem.is_some()),
                ("jwks_file", jwks.is_some()),
                ("private_key_pem", settings.private_key_pem.is_some()),
            ];
            match unused.iter().find(|(_, set)| *set) {
                Some((setting, _)) => Err(JwtError::InvalidSetting {
                    setting,
                    reason: "is set, but `algorithms` pins no asymmetric algorithm \
                             (RS256, ES256 or EdDSA)"
                        .to_owned(),
                }),
                None => Ok(PublicKeys::None),
            }
        }
        (None, None) => Err(JwtError::InvalidSetting {
            setting: "algorithms",
            reason: format!(
                "pins {}, which needs a public key, but neither public_key_pem nor jwks_file \
                 is set",
                names.join(", ")
            ),
        }),
        (Some(path), None) => load_public_pem(path, asymmetric).map(PublicKeys::Pem),
        (None, Some(path)) => load_jwks(path, asymmetric).map(PublicKeys::Jwks),
    }
}

pub(super) fn read_key_file(setting: &'static str, path: &Path) -> Result<Vec<u8>, JwtError> {
    fs::read(path).map_err(|source| JwtError::Io {
        what: match setting {
            "public_key_pem" => "cannot read public_key_pem",
            "private_key_pem" => "cannot read private_key_pem",
            _ => "cannot read jwks_file",
        },
        path: path.to_owned(),
        source,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Fails when the crypto backend cannot build a verifier from the key.
/// (RSA keys are only parsed when a signature is checked, so this proves
/// little for them; EC and Ed25519 keys are fully parsed.)
pub(super) fn check_verifier(alg: JwtAlgorithm, key: &DecodingKey) -> Result<(), String> {
    jsonwebtoken::crypto::verify("AA", KEY_PROBE_MESSAGE, key, alg.to_jsonwebtoken())
        .map(|_| ())
        .map_err(|err| err.to_string())
}

fn decoding_key_from_pem(
    alg: JwtAlgorithm,
    pem: &[u8],
) -> jsonwebtoken::errors::Result<DecodingKey> {
    match alg {
        JwtAlgorithm::RS256 => DecodingKey::from_rsa_pem(pem),
        JwtAlgorithm::ES256 => DecodingKey::from_ec_pem(pem),
        JwtAlgorithm::EdDSA => DecodingKey::from_ed_pem(pem),
        JwtAlgorithm::HS256 => Err(ErrorKind::InvalidKeyFormat.into()),
    }
}

fn load_public_pem(
    path: &Path,
    asymmetric: &[JwtAlgorithm],
) -> Result<Vec<(JwtAlgorithm, DecodingKey)>, JwtError> {
    let invalid = |reason: String| JwtError::InvalidKeyFile {
        setting: "public_key_pem",
        path: path.to_owned(),
        reason,
    };
    let mut pem = read_key_file("public_key_pem", path)?;
    if contains(&pem, b"PRIVATE KEY") {
        pem.zeroize();
        return Err(invalid(
            "the file holds a private key; public_key_pem takes the public key only (put the \
             private key in private_key_pem)"
                .to_owned(),
        ));
    }
    let mut keys = Vec::with_capacity(asymmetric.len());
    for alg in asymmetric {
        let key = decoding_key_from_pem(*alg, &pem)
            .map_err(|err| invalid(format!("not a valid {alg} public key: {err}")))?;
        check_verifier(*alg, &key)
            .map_err(|err| invalid(format!("not usable as an {alg} public key: {err}")))?;
        keys.push((*alg, key));
    }
    Ok(keys)
}

fn encoding_key_from_pem(
    alg: JwtAlgorithm,
    pem: &[u8],
) -> jsonwebtoken::errors::Result<EncodingKey> {
    match alg {
        JwtAlgorithm::RS256 => EncodingKey::from_rsa_pem(pem),
        JwtAlgorithm::ES256 => EncodingKey::from_ec_pem(pem),
        JwtAlgorithm::EdDSA => EncodingKey::from_ed_pem(pem),
        JwtAlgorithm::HS256 => Err(ErrorKind::InvalidKeyFormat.into()),
    }
}

/// Loads `private_key_pem` for the first pinned asymmetric algorithm it fits,
/// and proves it matches a configured public key (whose `kid` minted tokens carry).
fn load_private_key(
    path: &Path,
    asymmetric: &[JwtAlgorithm],
    public: &PublicKeys,
) -> Result<Signer, JwtError> {
    let invalid = |reason: String| JwtError::InvalidKeyFile {
        setting: "private_key_pem",
        path: path.to_owned(),
        reason,
    };
    let mut pem = read_key_file("private_key_pem", path)?;
    let mut unmatched: Option<JwtAlgorithm> = None;
    let mut found: Option<Signer> = None;
    for alg in asymmetric {
        let Ok(key) = encoding_key_from_pem(*alg, &pem) else {
            continue;
        };
        let Ok(signature) =
            jsonwebtoken::crypto::sign(KEY_PROBE_MESSAGE, &key, alg.to_jsonwebtoken())
        else {
            continue;
        };
        let verifies = |candidate: &DecodingKey| {
            matches!(
                jsonwebtoken::crypto::verify(
                    &signature,
                    KEY_PROBE_MESSAGE,
                    candidate,
                    alg.to_jsonwebtoken()
                ),
                Ok(true)
            )
        };
        let kid = match public {
            PublicKeys::None => None,
            PublicKeys::Pem(keys) => keys
                .iter()
                .any(|(key_alg, candidate)| key_alg == alg && verifies(candidate))
                .then_some(None),
            PublicKeys::Jwks(keys) => {
                let mut kids: Vec<&String> = keys
                    .iter()
                    .filter(|(_, entry)| entry.alg == *alg && verifies(&entry.key))
                    .map(|(kid, _)| kid)
                    .collect();
                kids.sort_unstable();
                kids.first().map(|kid| Some((*kid).clone()))
            }
        };
        match kid {
            Some(kid) => {
                found = Some(Signer {
                    alg: *alg,
                    key,
                    kid,
                });
                break;
            }
            None => {
                unmatched.get_or_insert(*alg);
            }
        }
    }
    pem.zeroize();
    match (found, unmatched) {
        (Some(signer), _) => Ok(signer),
        (None, Some(alg)) => Err(invalid(format!(
            "the {alg} private key matches no configured public key (public_key_pem or \
             jwks_file), so tokens minted with it could never be verified"
        ))),
        (None, None) => {
            let names: Vec<&str> = asymmetric.iter().map(|alg| alg.as_str()).collect();
            Err(invalid(format!(
                "not a usable PKCS#8 (or PKCS#1 RSA) private key for the pinned algorithm(s) {}",
                names.join(", ")
            )))
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::Duration;
    use serde_json::json;

    use super::super::jwks::test_keys::{
        EC_PRIVATE_PEM, ED_PRIVATE_PEM, ED_PUBLIC_PEM, ES256_JWKS, ES256_KID, RSA_PRIVATE_PEM,
        eddsa_jwk, es256_jwk, rs256_jwk,
    };

    const RSA_PUBLIC_PEM: &str = include_str!("testdata/rsa_public.pem");
    const EC_PUBLIC_PEM: &str = include_str!("testdata/ec_p256_public.pem");
    const EC_OTHER_PRIVATE_PEM: &str = include_str!("testdata/ec_p256_other_private.pem");

    struct Fixture {
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().expect("create a temporary directory"),
            }
        }

        fn data_dir(&self) -> PathBuf {
            self.dir.path().join("data")
        }

        fn write(&self, name: &str, contents: &str) -> PathBuf {
            let path = self.dir.path().join(name);
            fs::write(&path, contents).expect("write a test file");
            path
        }

        fn keys(&self, settings: &JwtSettings) -> JwtKeys {
            JwtKeys::from_settings(settings, &self.data_dir()).expect("load the JWT keys")
        }

        fn load_error(&self, settings: &JwtSettings) -> JwtError {
            match JwtKeys::from_settings(settings, &self.data_dir()) {
                Ok(keys) => panic!("expected a load error, got {keys:?}"),
                Err(err) => err,
            }
        }

        fn hs256_signing_key(&self) -> EncodingKey {
            let secret =
                load_or_create_hs256_secret(&self.data_dir()).expect("load the HS256 secret");
            EncodingKey::from_secret(secret.expose_secret())
        }

        fn rs256_settings(&self, algorithms: &[JwtAlgorithm]) -> JwtSettings {
            JwtSettings {
                algorithms: algorithms.to_vec(),
                public_key_pem: Some(self.write("rsa_public.pem", RSA_PUBLIC_PEM)),
                ..JwtSettings::default()
            }
        }

        fn es256_jwks_settings(&self) -> JwtSettings {
            JwtSettings {
                algorithms: vec![JwtAlgorithm::ES256],
                jwks_file: Some(self.write("jwks.json", ES256_JWKS)),
                private_key_pem: Some(self.write("ec_private.pem", EC_PRIVATE_PEM)),
                ..JwtSettings::default()
            }
        }
    }

    fn hs256_settings() -> JwtSettings {
        JwtSettings::default()
    }

    fn bearer(token: &str) -> Vec<u8> {
        format!("Bearer {token}").into_bytes()
    }

    fn now_ts() -> i64 {
        Utc::now().timestamp()
    }

    fn valid_claims() -> Value {
        let now = now_ts();
        json!({
            "sub": "user-1",
            "role": "VIEWER",
            "iss": "rapport",
            "aud": "rapport-api",
            "exp": now + 300,
            "iat": now,
            "jti": "9b1f4c1e-2d55-4a53-9e4e-51f1bb0d0a01",
        })
    }

    fn with(mut claims: Value, name: &str, value: Value) -> Value {
        claims[name] = value;
        claims
    }

    fn without(mut claims: Value, name: &str) -> Value {
        if let Some(map) = claims.as_object_mut() {
            map.remove(name);
        }
        claims
    }

    fn b64_json(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("serialize test JSON"))
    }

    /// Signs arbitrary header and claims JSON, bypassing every check of `mint`.
    fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
        let message = format!("{}.{}", b64_json(header), b64_json(claims));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("sign a test token");
        format!("{message}.{signature}")
    }

    fn hs256_token(fixture: &Fixture, claims: &Value) -> String {
        sign_raw(
            &json!({"alg": "HS256", "typ": "JWT"}),
            claims,
            &fixture.hs256_signing_key(),
            Algorithm::HS256,
        )
    }

    fn assert_rejected(keys: &JwtKeys, header_value: &[u8], expected: AuthRejection) {
        match keys.verify_authorization_header(header_value) {
            Ok(verified) => panic!(
                "expected {expected:?} for {:?}, but it verified as {verified:?}",
                String::from_utf8_lossy(header_value)
            ),
            Err(rejection) => assert_eq!(
                rejection,
                expected,
                "wrong rejection for {:?}",
                String::from_utf8_lossy(header_value)
            ),
        }
    }

    fn mint_viewer(keys: &JwtKeys) -> (String, String, DateTime<Utc>) {
        keys.mint("user-1", "VIEWER", None, Duration::minutes(10), Utc::now())
            .expect("mint a token")
    }

    fn header_of(token: &str) -> Header {
        jsonwebtoken::decode_header(token).expect("decode the token header")
    }

    // --- acceptance -------------------------------------------------------

    #[test]
    fn an_hs256_token_round_trips_through_mint_and_verify() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (token, jti, expires_at) = mint_viewer(&keys);

        assert_eq!(header_of(&token).alg, Algorithm::HS256);
        let verified = keys
            .verify_authorization_header(&bearer(&token))
            .expect("the minted token verifies");
        assert_eq!(
            verified,
            VerifiedToken {
                subject: "user-1".to_owned(),
                role: "VIEWER".to_owned(),
                partner_id: None,
                token_id: jti.clone(),
                expires_at,
            }
        );
        assert!(uuid::Uuid::parse_str(&jti).is_ok(), "jti is a uuid: {jti}");
    }

    #[test]
    fn a_partner_token_round_trips_with_its_partner_id() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (token, _, _) = keys
            .mint(
                "partner:partner-42",
                "PARTNER",
                Some("partner-42"),
                Duration::minutes(5),
                Utc::now(),
            )
            .expect("mint a partner token");
        let verified = keys
            .verify_authorization_header(&bearer(&token))
            .expect("the partner token verifies");
        assert_eq!(verified.role, "PARTNER");
        assert_eq!(verified.partner_id.as_deref(), Some("partner-42"));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (token, _, _) = mint_viewer(&keys);
        for scheme in ["bearer", "BEARER", "bEaReR"] {
            let value = format!("{scheme} {token}");
            assert!(
                keys.verify_authorization_header(value.as_bytes()).is_ok(),
                "{scheme} is accepted"
            );
        }
    }

    #[test]
    fn each_minted_token_gets_a_fresh_jti() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (_, first, _) = mint_viewer(&keys);
        let (_, second, _) = mint_viewer(&keys);
        assert_ne!(first, second);
    }

    #[test]
    fn an_rs256_token_verifies_with_a_pem_public_key() {
        let fixture = Fixture::new();
        let mut settings = fixture.rs256_settings(&[JwtAlgorithm::RS256]);
        settings.private_key_pem = Some(fixture.write("rsa_private.pem", RSA_PRIVATE_PEM));
        let keys = fixture.keys(&settings);
        assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::RS256));

        let (token, jti, _) = mint_viewer(&keys);
        assert_eq!(header_of(&token).alg, Algorithm::RS256);
        let verified = keys
            .verify_authorization_header(&bearer(&token))
            .expect("the RS256 token verifies");
        assert_eq!(verified.token_id, jti);
    }

    #[test]
    fn an_rs256_token_signed_elsewhere_verifies_with_only_the_public_key() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
        assert_eq!(keys.signing_algorithm(), None);
        let issuer_key =
            EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("parse the RSA key");
        let token = sign_raw(
            &json!({"alg": "RS256", "typ": "JWT"}),
            &valid_claims(),
            &issuer_key,
            Algorithm::RS256,
        );
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
    }

    #[test]
    fn an_es256_token_verifies_through_a_jwks_file_selected_by_kid() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&fixture.es256_jwks_settings());
        assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::ES256));

        let (token, jti, _) = mint_viewer(&keys);
        let header = header_of(&token);
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some(ES256_KID));
        let verified = keys
            .verify_authorization_header(&bearer(&token))
            .expect("the ES256 token verifies");
        assert_eq!(verified.token_id, jti);
    }

    #[test]
    fn tokens_of_every_asymmetric_algorithm_verify_through_one_jwks() {
        let fixture = Fixture::new();
        let jwks = json!({"keys": [rs256_jwk("rsa-1"), es256_jwk(), eddsa_jwk("ed-1")]});
        let settings = JwtSettings {
            algorithms: vec![
                JwtAlgorithm::RS256,
                JwtAlgorithm::ES256,
                JwtAlgorithm::EdDSA,
            ],
            jwks_file: Some(fixture.write("all.json", &jwks.to_string())),
            ..JwtSettings::default()
        };
        let keys = fixture.keys(&settings);
        let signers = [
            (
                "rsa-1",
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()),
            ),
            (
                ES256_KID,
                Algorithm::ES256,
                EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()),
            ),
            (
                "ed-1",
                Algorithm::EdDSA,
                EncodingKey::from_ed_pem(ED_PRIVATE_PEM.as_bytes()),
            ),
        ];
        for (kid, alg, key) in signers {
            let key = key.expect("parse the test private key");
            let token = sign_raw(&json!({"alg": alg, "kid": kid}), &valid_claims(), &key, alg);
            let verified = keys.verify_authorization_header(&bearer(&token));
            assert!(verified.is_ok(), "{alg:?}: {verified:?}");
        }

        // A token naming the kid of a key bound to another algorithm.
        let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("parse the RSA key");
        let token = sign_raw(
            &json!({"alg": "RS256", "kid": ES256_KID}),
            &valid_claims(),
            &rsa,
            Algorithm::RS256,
        );
        assert_rejected(&keys, &bearer(&token), AuthRejection::KeyAlgorithmMismatch);
    }

    #[test]
    fn an_eddsa_token_verifies_with_a_pem_public_key() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::EdDSA],
            public_key_pem: Some(fixture.write("ed_public.pem", ED_PUBLIC_PEM)),
            private_key_pem: Some(fixture.write("ed_private.pem", ED_PRIVATE_PEM)),
            ..JwtSettings::default()
        };
        let keys = fixture.keys(&settings);
        let (token, _, _) = mint_viewer(&keys);
        assert_eq!(header_of(&token).alg, Algorithm::EdDSA);
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
    }

    #[test]
    fn an_es256_token_verifies_with_a_pem_public_key() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::ES256],
            public_key_pem: Some(fixture.write("ec_public.pem", EC_PUBLIC_PEM)),
            private_key_pem: Some(fixture.write("ec_private.pem", EC_PRIVATE_PEM)),
            ..JwtSettings::default()
        };
        let keys = fixture.keys(&settings);
        let (token, _, _) = mint_viewer(&keys);
        assert_eq!(header_of(&token).kid, None);
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
    }

    #[test]
    fn mint_uses_the_first_pinned_algorithm_it_has_a_signing_key_for() {
        let fixture = Fixture::new();
        let without_private = fixture.rs256_settings(&[JwtAlgorithm::RS256, JwtAlgorithm::HS256]);
        let keys = fixture.keys(&without_private);
        assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::HS256));
        let (token, _, _) = mint_viewer(&keys);
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());

        let with_private = JwtSettings {
            private_key_pem: Some(fixture.write("rsa_private.pem", RSA_PRIVATE_PEM)),
            ..without_private
        };
        let keys = fixture.keys(&with_private);
        assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::RS256));
        let (token, _, _) = mint_viewer(&keys);
        assert_eq!(header_of(&token).alg, Algorithm::RS256);
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
    }

    #[test]
    fn a_token_expired_within_the_leeway_is_accepted() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "exp", json!(now_ts() - 2));
        let token = hs256_token(&fixture, &claims);
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
    }

    #[test]
    fn a_token_whose_nbf_is_within_the_leeway_is_accepted() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "nbf", json!(now_ts() + 2));
        let token = hs256_token(&fixture, &claims);
        assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
    }

    #[test]
    fn hs256_tokens_survive_a_restart_because_the_secret_is_reused() {
        let fixture = Fixture::new();
        let (token, _, _) = mint_viewer(&fixture.keys(&hs256_settings()));
        let restarted = fixture.keys(&hs256_settings());
        assert!(
            restarted
                .verify_authorization_header(&bearer(&token))
                .is_ok()
        );
    }

    // --- rejection: algorithm and key confusion ---------------------------

    #[test]
    fn a_token_with_alg_none_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let payload = b64_json(&valid_claims());
        for alg in ["none", "None", "NONE", "nOnE"] {
            let header = b64_json(&json!({"alg": alg, "typ": "JWT"}));
            let unsigned = format!("{header}.{payload}.");
            assert_rejected(
                &keys,
                &bearer(&unsigned),
                AuthRejection::AlgorithmNotAllowed,
            );
            let with_junk_signature = format!("{header}.{payload}.c2lnbmF0dXJl");
            assert_rejected(
                &keys,
                &bearer(&with_junk_signature),
                AuthRejection::AlgorithmNotAllowed,
            );
        }
    }

    #[test]
    fn an_hs256_token_signed_with_the_rsa_public_key_pem_is_rejected_when_rs256_and_hs256_are_pinned()
     {
        let fixture = Fixture::new();
        let keys =
            fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256, JwtAlgorithm::HS256]));
        for key_bytes in [RSA_PUBLIC_PEM, RSA_PUBLIC_PEM.trim_end()] {
            let token = sign_raw(
                &json!({"alg": "HS256", "typ": "JWT"}),
                &valid_claims(),
                &EncodingKey::from_secret(key_bytes.as_bytes()),
                Algorithm::HS256,
            );
            assert_rejected(&keys, &bearer(&token), AuthRejection::InvalidSignature);
        }
    }

    #[test]
    fn an_hs256_token_signed_with_the_rsa_public_key_pem_is_rejected_when_only_rs256_is_pinned() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
        let token = sign_raw(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &valid_claims(),
            &EncodingKey::from_secret(RSA_PUBLIC_PEM.as_bytes()),
            Algorithm::HS256,
        );
        assert_rejected(&keys, &bearer(&token), AuthRejection::AlgorithmNotAllowed);
    }

    #[test]
    fn only_rs256_pinned_creates_no_hs256_secret() {
        let fixture = Fixture::new();
        fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
        assert!(!fixture.data_dir().join(SECRET_FILE_NAME).exists());
    }

    #[test]
    fn a_token_for_an_algorithm_that_is_not_pinned_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let token = sign_raw(
            &json!({"alg": "ES256", "kid": ES256_KID}),
            &valid_claims(),
            &EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).expect("parse the EC key"),
            Algorithm::ES256,
        );
        assert_rejected(&keys, &bearer(&token), AuthRejection::AlgorithmNotAllowed);
        let hs512 = sign_raw(
            &json!({"alg": "HS512"}),
            &valid_claims(),
            &fixture.hs256_signing_key(),
            Algorithm::HS512,
        );
        assert_rejected(&keys, &bearer(&hs512), AuthRejection::AlgorithmNotAllowed);
    }

    #[test]
    fn an_hs256_token_signed_with_another_secret_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let token = sign_raw(
            &json!({"alg": "HS256"}),
            &valid_claims(),
            &EncodingKey::from_secret(&[7_u8; 64]),
            Algorithm::HS256,
        );
        assert_rejected(&keys, &bearer(&token), AuthRejection::InvalidSignature);
    }

    #[test]
    fn a_jwks_token_signed_by_a_key_outside_the_jwks_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&fixture.es256_jwks_settings());
        let token = sign_raw(
            &json!({"alg": "ES256", "kid": ES256_KID}),
            &valid_claims(),
            &EncodingKey::from_ec_pem(EC_OTHER_PRIVATE_PEM.as_bytes()).expect("parse the EC key"),
            Algorithm::ES256,
        );
        assert_rejected(&keys, &bearer(&token), AuthRejection::InvalidSignature);
    }

    #[test]
    fn a_jwks_token_with_an_unknown_or_missing_kid_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&fixture.es256_jwks_settings());
        let signing_key =
            EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).expect("parse the EC key");
        let unknown = sign_raw(
            &json!({"alg": "ES256", "kid": "not-in-the-set"}),
            &valid_claims(),
            &signing_key,
            Algorithm::ES256,
        );
        assert_rejected(&keys, &bearer(&unknown), AuthRejection::UnknownKeyId);
        let missing = sign_raw(
            &json!({"alg": "ES256"}),
            &valid_claims(),
            &signing_key,
            Algorithm::ES256,
        );
        assert_rejected(&keys, &bearer(&missing), AuthRejection::MissingKeyId);
    }

    #[test]
    fn a_token_with_a_crit_header_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let token = sign_raw(
            &json!({"alg": "HS256", "crit": ["exp"]}),
            &valid_claims(),
            &fixture.hs256_signing_key(),
            Algorithm::HS256,
        );
        assert_rejected(
            &keys,
            &bearer(&token),
            AuthRejection::UnsupportedCriticalHeader,
        );
    }

    // --- rejection: time ---------------------------------------------------

    #[test]
    fn an_expired_token_beyond_the_leeway_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "exp", json!(now_ts() - 60));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::Expired,
        );

        let an_hour_ago = Utc::now() - Duration::hours(1);
        let (minted, _, _) = keys
            .mint("user-1", "VIEWER", None, Duration::minutes(10), an_hour_ago)
            .expect("mint a token in the past");
        assert_rejected(&keys, &bearer(&minted), AuthRejection::Expired);
    }

    #[test]
    fn a_token_whose_nbf_is_in_the_future_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "nbf", json!(now_ts() + 120));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::NotYetValid,
        );
    }

    #[test]
    fn a_token_without_exp_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = without(valid_claims(), "exp");
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::MissingClaim("exp"),
        );
    }

    #[test]
    fn a_token_with_exp_as_a_string_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let far_future = (now_ts() + 3600).to_string();
        let claims = with(valid_claims(), "exp", json!(far_future));
        // jsonwebtoken treats an unparsable `exp` as absent.
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::MissingClaim("exp"),
        );
    }

    #[test]
    fn a_token_with_a_fractional_exp_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let exp = now_ts() as f64 + 300.5;
        let claims = with(valid_claims(), "exp", json!(exp));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::InvalidClaim("exp"),
        );
    }

    #[test]
    fn a_token_with_nbf_as_a_string_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "nbf", json!("0"));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::InvalidClaim("nbf"),
        );
    }

    // --- rejection: claims --------------------------------------------------

    #[test]
    fn a_token_for_another_audience_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "aud", json!("someone-else"));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::WrongAudience,
        );
        let missing = without(valid_claims(), "aud");
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &missing)),
            AuthRejection::MissingClaim("aud"),
        );
    }

    #[test]
    fn an_audience_array_is_rejected_even_when_it_contains_the_audience() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "aud", json!(["rapport-api", "other"]));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::InvalidClaim("aud"),
        );
    }

    #[test]
    fn a_token_from_another_issuer_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "iss", json!("evil"));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::WrongIssuer,
        );
        let missing = without(valid_claims(), "iss");
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &missing)),
            AuthRejection::MissingClaim("iss"),
        );
    }

    #[test]
    fn a_token_without_sub_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let missing = without(valid_claims(), "sub");
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &missing)),
            AuthRejection::MissingClaim("sub"),
        );
        let empty = with(valid_claims(), "sub", json!(""));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &empty)),
            AuthRejection::InvalidClaim("sub"),
        );
        // jsonwebtoken treats a non-string `sub` as absent.
        let numeric = with(valid_claims(), "sub", json!(42));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &numeric)),
            AuthRejection::MissingClaim("sub"),
        );
    }

    #[test]
    fn a_token_without_jti_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let missing = without(valid_claims(), "jti");
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &missing)),
            AuthRejection::MissingClaim("jti"),
        );
    }

    #[test]
    fn a_token_with_an_unknown_role_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        for role in [
            json!("SUPERUSER"),
            json!("admin"),
            json!(""),
            json!(["ADMIN"]),
        ] {
            let claims = with(valid_claims(), "role", role.clone());
            let result = keys.verify_authorization_header(&bearer(&hs256_token(&fixture, &claims)));
            assert!(
                matches!(
                    result,
                    Err(AuthRejection::UnknownRole | AuthRejection::InvalidClaim("role"))
                ),
                "role {role} gave {result:?}"
            );
        }
        let missing = without(valid_claims(), "role");
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &missing)),
            AuthRejection::MissingClaim("role"),
        );
    }

    #[test]
    fn a_partner_token_without_partner_id_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let partner = with(valid_claims(), "role", json!("PARTNER"));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &partner)),
            AuthRejection::PartnerWithoutPartnerId,
        );
        let empty = with(partner.clone(), "partner_id", json!(""));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &empty)),
            AuthRejection::PartnerWithoutPartnerId,
        );
        let numeric = with(partner, "partner_id", json!(42));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &numeric)),
            AuthRejection::InvalidClaim("partner_id"),
        );
    }

    #[test]
    fn a_non_partner_token_with_a_partner_id_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let claims = with(valid_claims(), "partner_id", json!("partner-42"));
        assert_rejected(
            &keys,
            &bearer(&hs256_token(&fixture, &claims)),
            AuthRejection::PartnerIdWithoutPartnerRole,
        );
    }

    #[test]
    fn mint_refuses_what_verify_would_reject() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let now = Utc::now();
        let ttl = Duration::minutes(5);
        assert!(keys.mint("u", "SUPERUSER", None, ttl, now).is_err());
        assert!(keys.mint("u", "PARTNER", None, ttl, now).is_err());
        assert!(keys.mint("u", "VIEWER", Some("p"), ttl, now).is_err());
        assert!(keys.mint("", "VIEWER", None, ttl, now).is_err());
        assert!(
            keys.mint("u", "VIEWER", None, Duration::zero(), now)
                .is_err()
        );
        assert!(
            keys.mint("u", "VIEWER", None, Duration::seconds(-5), now)
                .is_err()
        );
    }

    #[test]
    fn mint_without_a_signing_key_is_an_error() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
        let err = keys
            .mint("u", "VIEWER", None, Duration::minutes(5), Utc::now())
            .expect_err("no signing key");
        assert!(err.to_string().contains("private_key_pem"), "{err}");
    }

    // --- rejection: token shape ---------------------------------------------

    #[test]
    fn a_token_with_a_tampered_payload_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (token, _, _) = mint_viewer(&keys);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload = URL_SAFE_NO_PAD
            .decode(parts[1])
            .expect("decode the payload");
        let mut claims: Value = serde_json::from_slice(&payload).expect("parse the payload");
        claims["role"] = json!("ADMIN");
        let tampered = format!("{}.{}.{}", parts[0], b64_json(&claims), parts[2]);
        assert_rejected(&keys, &bearer(&tampered), AuthRejection::InvalidSignature);
    }

    #[test]
    fn a_token_with_a_stripped_signature_is_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (token, _, _) = mint_viewer(&keys);
        let (message, _) = token.rsplit_once('.').expect("a compact token");
        assert_rejected(
            &keys,
            &bearer(&format!("{message}.")),
            AuthRejection::MissingSignature,
        );
        assert_rejected(&keys, &bearer(message), AuthRejection::MalformedToken);
    }

    #[test]
    fn garbage_authorization_values_are_rejected() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let (token, _, _) = mint_viewer(&keys);
        let cases: Vec<(Vec<u8>, AuthRejection)> = vec![
            (b"".to_vec(), AuthRejection::MissingCredentials),
            (b"Bearer".to_vec(), AuthRejection::MalformedAuthorization),
            (b"Bearer ".to_vec(), AuthRejection::MalformedToken),
            (b"Basic abc".to_vec(), AuthRejection::NotBearer),
            (
                format!("Basic {token}").into_bytes(),
                AuthRejection::NotBearer,
            ),
            (
                format!("Bearer{token}").into_bytes(),
                AuthRejection::MalformedAuthorization,
            ),
            (b"Bearer a.b".to_vec(), AuthRejection::MalformedToken),
            (b"Bearer a.b.c.d".to_vec(), AuthRejection::MalformedToken),
            (b"Bearer ..".to_vec(), AuthRejection::MalformedToken),
            (b"Bearer a.b.c".to_vec(), AuthRejection::MalformedToken),
            (
                b"Bearer e30.e30.e30".to_vec(),
                AuthRejection::MalformedToken,
            ),
            (
                format!("Bearer  {token}").into_bytes(),
                AuthRejection::MalformedToken,
            ),
            (
                format!(" Bearer {token}").into_bytes(),
                AuthRejection::NotBearer,
            ),
            (
                format!("Bearer {token} ").into_bytes(),
                AuthRejection::MalformedToken,
            ),
            (
                format!("Bearer\t{token}").into_bytes(),
                AuthRejection::MalformedAuthorization,
            ),
            (
                format!("Bearer {token}=").into_bytes(),
                AuthRejection::MalformedToken,
            ),
            (b"Bearer \xff\xfe.\x00.x".to_vec(), AuthRejection::NotUtf8),
        ];
        for (value, expected) in cases {
            assert_rejected(&keys, &value, expected);
        }
        for _ in 0..200 {
            let random: [u8; 48] = rand::random();
            assert!(keys.verify_authorization_header(&random).is_err());
            let mut prefixed = b"Bearer ".to_vec();
            prefixed.extend_from_slice(&random);
            assert!(keys.verify_authorization_header(&prefixed).is_err());
        }
    }

    #[test]
    fn an_oversized_authorization_value_is_rejected_before_decoding() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let mut huge = b"Bearer ".to_vec();
        huge.resize(8193, b'a');
        assert_rejected(&keys, &huge, AuthRejection::TooLarge);
        let mut non_utf8 = vec![0xff_u8; 8193];
        non_utf8[0] = b'B';
        assert_rejected(&keys, &non_utf8, AuthRejection::TooLarge);

        // A perfectly valid token is refused once the limit is below its size.
        let (token, _, _) = mint_viewer(&keys);
        let small = JwtSettings {
            max_token_bytes: token.len(),
            ..hs256_settings()
        };
        let strict = fixture.keys(&small);
        assert_rejected(&strict, &bearer(&token), AuthRejection::TooLarge);
        assert!(
            strict
                .mint("user-1", "VIEWER", None, Duration::minutes(5), Utc::now())
                .is_err(),
            "mint refuses a token the verifier would refuse"
        );
    }

    // --- configuration ---------------------------------------------------------

    #[test]
    fn settings_default_to_hs256_with_a_five_second_leeway() {
        let parsed: JwtSettings = serde_json::from_value(json!({})).expect("empty settings parse");
        assert_eq!(parsed, JwtSettings::default());
        assert_eq!(parsed.issuer, "rapport");
        assert_eq!(parsed.audience, "rapport-api");
        assert_eq!(parsed.algorithms, vec![JwtAlgorithm::HS256]);
        assert_eq!(parsed.leeway_seconds, 5);
        assert_eq!(parsed.max_token_bytes, 8192);
    }

    #[test]
    fn settings_accept_exactly_the_jose_algorithm_spellings() {
        let parsed: JwtSettings =
            serde_json::from_value(json!({"algorithms": ["HS256", "RS256", "ES256", "EdDSA"]}))
                .expect("JOSE spellings parse");
        assert_eq!(parsed.algorithms.len(), 4);
        for bad in ["none", "hs256", "EDDSA", "HS512", "RS384"] {
            let result = serde_json::from_value::<JwtSettings>(json!({"algorithms": [bad]}));
            assert!(result.is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn settings_refuse_unknown_fields() {
        let result = serde_json::from_value::<JwtSettings>(json!({"secret": "hunter2"}));
        assert!(result.is_err());
    }

    #[test]
    fn a_leeway_above_30_seconds_is_refused_at_config_load() {
        let err = serde_json::from_value::<JwtSettings>(json!({"leeway_seconds": 31}))
            .expect_err("31 s is refused by deserialization");
        assert!(err.to_string().contains("leeway_seconds"), "{err}");
        let ok: JwtSettings =
            serde_json::from_value(json!({"leeway_seconds": 30})).expect("30 s is accepted");
        assert_eq!(ok.leeway_seconds, 30);

        let fixture = Fixture::new();
        let in_code = JwtSettings {
            leeway_seconds: 31,
            ..hs256_settings()
        };
        let err = fixture.load_error(&in_code);
        assert!(
            matches!(
                err,
                JwtError::InvalidSetting {
                    setting: "leeway_seconds",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn pinning_an_asymmetric_algorithm_without_a_public_key_is_a_load_error() {
        let fixture = Fixture::new();
        for alg in [
            JwtAlgorithm::RS256,
            JwtAlgorithm::ES256,
            JwtAlgorithm::EdDSA,
        ] {
            let settings = JwtSettings {
                algorithms: vec![JwtAlgorithm::HS256, alg],
                ..JwtSettings::default()
            };
            let message = fixture.load_error(&settings).to_string();
            assert!(
                message.contains("public_key_pem") && message.contains("jwks_file"),
                "{message}"
            );
            assert!(message.contains(alg.as_str()), "{message}");
        }
    }

    #[test]
    fn an_empty_algorithm_list_is_a_load_error() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![],
            ..JwtSettings::default()
        };
        assert!(matches!(
            fixture.load_error(&settings),
            JwtError::InvalidSetting {
                setting: "algorithms",
                ..
            }
        ));
    }

    #[test]
    fn a_public_key_without_an_asymmetric_algorithm_is_a_load_error() {
        let fixture = Fixture::new();
        let settings = fixture.rs256_settings(&[JwtAlgorithm::HS256]);
        let err = fixture.load_error(&settings);
        assert!(
            matches!(
                err,
                JwtError::InvalidSetting {
                    setting: "public_key_pem",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn setting_both_a_pem_and_a_jwks_is_a_load_error() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            jwks_file: Some(fixture.write("jwks.json", ES256_JWKS)),
            ..fixture.rs256_settings(&[JwtAlgorithm::RS256, JwtAlgorithm::ES256])
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(message.contains("both set"), "{message}");
    }

    #[test]
    fn a_public_key_of_the_wrong_type_is_a_load_error_naming_the_file() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::ES256],
            public_key_pem: Some(fixture.write("actually_rsa.pem", RSA_PUBLIC_PEM)),
            ..JwtSettings::default()
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(message.contains("actually_rsa.pem"), "{message}");
        assert!(message.contains("ES256"), "{message}");
    }

    #[test]
    fn a_private_key_in_public_key_pem_is_a_load_error() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::RS256],
            public_key_pem: Some(fixture.write("oops.pem", RSA_PRIVATE_PEM)),
            ..JwtSettings::default()
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(message.contains("private key"), "{message}");
    }

    #[test]
    fn a_missing_key_file_is_a_load_error_naming_the_file() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::RS256],
            public_key_pem: Some(fixture.dir.path().join("does-not-exist.pem")),
            ..JwtSettings::default()
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(message.contains("does-not-exist.pem"), "{message}");
        assert!(message.contains("public_key_pem"), "{message}");
    }

    #[test]
    fn a_private_key_that_matches_no_public_key_is_a_load_error() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            private_key_pem: Some(fixture.write("other.pem", EC_OTHER_PRIVATE_PEM)),
            ..fixture.es256_jwks_settings()
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(
            message.contains("matches no configured public key"),
            "{message}"
        );
        assert!(message.contains("other.pem"), "{message}");
    }

    #[test]
    fn a_jwks_without_a_key_for_a_pinned_algorithm_is_a_load_error() {
        let fixture = Fixture::new();
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::EdDSA],
            jwks_file: Some(fixture.write("jwks.json", ES256_JWKS)),
            ..JwtSettings::default()
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(
            message.contains("no usable key for the pinned algorithm EdDSA"),
            "{message}"
        );
    }

    #[test]
    fn the_debug_output_holds_no_key_material() {
        let fixture = Fixture::new();
        let keys = fixture.keys(&hs256_settings());
        let secret = load_or_create_hs256_secret(&fixture.data_dir()).expect("load the secret");
        let encoded = STANDARD.encode(secret.expose_secret());
        let debug = format!("{keys:?}");
        assert!(!debug.contains(&encoded[..16]), "{debug}");
        assert!(!format!("{secret:?}").contains(&encoded[..16]));
    }

    // --- HS256 secret file ------------------------------------------------------

    #[test]
    fn the_secret_file_is_created_with_mode_0600_and_reused_on_second_load() {
        let fixture = Fixture::new();
        let data_dir = fixture.data_dir();
        let first = load_or_create_hs256_secret(&data_dir).expect("create the secret");
        assert_eq!(first.expose_secret().len(), HS256_SECRET_LEN);

        let path = data_dir.join(SECRET_FILE_NAME);
        let contents = fs::read_to_string(&path).expect("read the secret file");
        let decoded = STANDARD
            .decode(contents.trim())
            .expect("the file is base64");
        assert_eq!(decoded.as_slice(), first.expose_secret());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path)
                .expect("stat the secret file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "mode is {:o}", mode & 0o777);
        }

        let second = load_or_create_hs256_secret(&data_dir).expect("reload the secret");
        assert_eq!(first.expose_secret(), second.expose_secret());

        let leftovers: Vec<String> = fs::read_dir(&data_dir)
            .expect("list the data directory")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, vec![SECRET_FILE_NAME.to_owned()]);
    }

    #[test]
    fn two_data_directories_get_different_secrets() {
        let a = Fixture::new();
        let b = Fixture::new();
        let first = load_or_create_hs256_secret(&a.data_dir()).expect("create secret a");
        let second = load_or_create_hs256_secret(&b.data_dir()).expect("create secret b");
        assert_ne!(first.expose_secret(), second.expose_secret());
    }

    #[test]
    fn a_corrupt_secret_file_is_an_error() {
        let short = STANDARD.encode([1_u8; 16]);
        let cases: [(&str, &[u8]); 4] = [
            ("garbage", b"this is not base64 at all!"),
            ("short", short.as_bytes()),
            ("empty", b""),
            ("binary", &[0xff, 0xfe, 0x00]),
        ];
        for (name, contents) in cases {
            let fixture = Fixture::new();
            let data_dir = fixture.data_dir();
            fs::create_dir_all(&data_dir).expect("create the data directory");
            let path = data_dir.join(SECRET_FILE_NAME);
            fs::write(&path, contents).expect("write the corrupt secret");

            let err = load_or_create_hs256_secret(&data_dir).expect_err(name);
            assert!(
                matches!(err, JwtError::CorruptSecret { .. }),
                "{name}: {err}"
            );
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{name}: {err}"
            );
            let after = fs::read(&path).expect("the file is still there");
            assert_eq!(after, contents, "{name}: the file was not regenerated");

            let load = JwtKeys::from_settings(&hs256_settings(), &data_dir);
            assert!(load.is_err(), "{name}: JwtKeys refuses to load");
        }
    }

    #[test]
    fn a_longer_secret_file_is_accepted() {
        let fixture = Fixture::new();
        let data_dir = fixture.data_dir();
        fs::create_dir_all(&data_dir).expect("create the data directory");
        let long = [9_u8; 96];
        fs::write(data_dir.join(SECRET_FILE_NAME), STANDARD.encode(long)).expect("write");
        let secret = load_or_create_hs256_secret(&data_dir).expect("a 96-byte secret loads");
        assert_eq!(secret.expose_secret(), long.as_slice());
    }
}
