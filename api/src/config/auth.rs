//! Settings of the bootstrap admin, token lifetimes and API keys.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Bootstrap admin and token lifetimes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Subject of the admin created on an empty database.
    pub bootstrap_admin_subject: String,
    /// Email of that admin.
    pub bootstrap_admin_email: String,
    /// Where `rapport serve` writes the bootstrap admin's first token (0600) when it creates
    /// that admin. Unset: the token is printed only when stderr is a terminal.
    pub bootstrap_token_file: Option<PathBuf>,
    /// Lifetime of tokens printed at start or minted by `rapport token`, in minutes.
    pub operator_token_minutes: i64,
    /// Longest lifetime of a partner token, in days; also of an API key a partner creates
    /// for itself.
    pub partner_token_max_days: i64,
    /// The pepper API keys are hashed under (at least 32 bytes; environment
    /// `RAPPORT_AUTH__API_KEY_PEPPER`). Every process of a fleet needs the same one.
    #[serde(skip_serializing)]
    pub api_key_pepper: Option<secrecy::SecretString>,
    /// A file holding that pepper (e.g. a mounted secret), when `api_key_pepper` is not set.
    /// Neither set: `api-key-pepper` in the data folder, generated on first start.
    pub api_key_pepper_file: Option<std::path::PathBuf>,
    /// Longest grace period of a key rotation, in hours: the old key keeps working that long.
    pub api_key_rotation_max_grace_hours: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            bootstrap_admin_subject: "bootstrap-admin".into(),
            bootstrap_admin_email: "admin@rapport.invalid".into(),
            bootstrap_token_file: None,
            operator_token_minutes: 60,
            partner_token_max_days: 365,
            api_key_pepper: None,
            api_key_pepper_file: None,
            api_key_rotation_max_grace_hours: 168,
        }
    }
}
