//! Settings: the pinned algorithms, issuer, audience, leeway, limits, and where the HS256
//! key comes from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use jsonwebtoken::Algorithm;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::JwtError;
use super::{MAX_LEEWAY_SECONDS, MAX_TOKEN_LIFETIME_DAYS_LIMIT};

/// A signature algorithm that may be pinned. Spelled exactly as in JOSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with the shared secret (`secret` or `secret_file`), else the generated
    /// secret in `<data_dir>/jwt-secret`.
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
    pub(in crate::auth) fn from_jose_name(name: &str) -> Option<Self> {
        match name {
            "HS256" => Some(Self::HS256),
            "RS256" => Some(Self::RS256),
            "ES256" => Some(Self::ES256),
            "EdDSA" => Some(Self::EdDSA),
            _ => None,
        }
    }

    pub(in crate::auth) const fn to_jsonwebtoken(self) -> Algorithm {
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
    /// The HS256 key shared by every process of a fleet, given by a secret store through
    /// `RAPPORT_JWT__SECRET`: base64 of at least 64 random bytes. Never serialized or logged.
    #[serde(skip_serializing)]
    pub secret: Option<SharedSecret>,
    /// A file holding the shared HS256 key in the same form (a mounted secret). A copy of a
    /// server's generated `<data_dir>/jwt-secret` keeps the tokens it issued valid.
    pub secret_file: Option<PathBuf>,
    /// An identity provider's JWKS (`https://…/.well-known/jwks.json`): staff sign in with the
    /// provider's tokens, verified with these keys. Excludes `public_key_pem`, `jwks_file` and
    /// `private_key_pem`; Rapport's own HS256 tokens (partners, operators) keep working.
    pub jwks_url: Option<String>,
    /// Hosts `jwks_url` may be fetched from over plain http (loopback or a named host on a
    /// private network, e.g. a compose service); any other host needs https.
    pub jwks_http_hosts: Vec<String>,
    /// How long fetched keys are used when the answer has no usable `Cache-Control: max-age`.
    pub jwks_cache_seconds: u64,
    /// Fewest seconds between two fetches of `jwks_url` (a token naming an unknown `kid`
    /// triggers a fetch at most this often).
    pub jwks_refresh_seconds: u64,
    /// How long past their expiry the last good keys stay in use while the provider cannot
    /// be fetched.
    pub jwks_stale_seconds: u64,
    /// Bound on one fetch of `jwks_url` (connect, answer and body).
    pub jwks_timeout_seconds: u64,
    /// Required `iss` of the provider's tokens.
    pub provider_issuer: Option<String>,
    /// Required `aud` of the provider's tokens (a string, or an array that contains it).
    pub provider_audience: Option<String>,
    /// The claim naming the provider's user; first looked up as a team member's subject.
    pub subject_claim: String,
    /// The claim holding the user's email: links a user whose subject is unknown to the team
    /// member with that email (unless `email_verified` is false). Empty: no email linking.
    pub email_claim: String,
    /// The claim (a dotted path such as `realm_access.roles`) holding the user's roles or
    /// groups, a string or an array of strings. Unset: the team member's role applies.
    pub role_claim: Option<String>,
    /// Provider role or group value -> Rapport staff role. Empty: the claim holds Rapport's role
    /// names (`ADMIN`, …) itself.
    pub role_map: BTreeMap<String, String>,
    /// Creates a team member for a provider user unknown to Rapport (else they are refused).
    pub auto_provision: bool,
    /// The role of provisioned members when `role_claim` is unset.
    pub auto_provision_role: String,
}

/// The `jwt.secret` setting: its value stays wrapped, and its `Debug` never shows it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct SharedSecret(SecretString);

impl SharedSecret {
    /// Wraps a configured value (tests and tools building settings in code).
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    pub(super) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret([REDACTED])")
    }
}

impl PartialEq for SharedSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SharedSecret {}

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
            secret: None,
            secret_file: None,
            jwks_url: None,
            jwks_http_hosts: Vec::new(),
            jwks_cache_seconds: 300,
            jwks_refresh_seconds: 30,
            jwks_stale_seconds: 3600,
            jwks_timeout_seconds: 5,
            provider_issuer: None,
            provider_audience: None,
            subject_claim: "sub".to_owned(),
            email_claim: "email".to_owned(),
            role_claim: None,
            role_map: BTreeMap::new(),
            auto_provision: false,
            auto_provision_role: "VIEWER".to_owned(),
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
        self.validate_shared_secret()?;
        self.validate_provider()
    }

    /// `secret` and `secret_file` exclude each other and need HS256 pinned; `secret` must be
    /// strong (its file is checked when it is read).
    fn validate_shared_secret(&self) -> Result<(), JwtError> {
        let source = match (&self.secret, &self.secret_file) {
            (Some(_), Some(_)) => {
                return Err(JwtError::InvalidSetting {
                    setting: "secret_file",
                    reason: "jwt.secret (RAPPORT_JWT__SECRET) and jwt.secret_file are both set; \
                             configure exactly one"
                        .to_owned(),
                });
            }
            (Some(_), None) => "secret",
            (None, Some(_)) => "secret_file",
            (None, None) => return Ok(()),
        };
        if !self.algorithms.contains(&JwtAlgorithm::HS256) {
            return Err(JwtError::InvalidSetting {
                setting: source,
                reason: "is set, but `algorithms` does not pin HS256, the only algorithm it \
                         signs"
                    .to_owned(),
            });
        }
        if let Some(secret) = &self.secret {
            super::secret::parse_shared_secret(secret.expose().as_bytes()).map_err(|reason| {
                JwtError::InvalidSetting {
                    setting: "secret",
                    reason: format!("(RAPPORT_JWT__SECRET) {reason}"),
                }
            })?;
        }
        Ok(())
    }
}
