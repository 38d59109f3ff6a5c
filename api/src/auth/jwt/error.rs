//! Load and mint errors, and why a request's credentials were refused.

use std::fmt;
use std::io;
use std::path::PathBuf;

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
    /// The identity provider's keys could not be fetched, and the last good ones are older
    /// than `jwks_stale_seconds` allows (or there never were any).
    KeysUnavailable,
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
            Self::KeysUnavailable => "keys_unavailable",
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
            Self::KeysUnavailable => f.write_str(
                "the identity provider's keys are unavailable (jwks_url cannot be fetched)",
            ),
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
