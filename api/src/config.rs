//! Settings: defaults, then an optional `rapport.toml`, then `RAPPORT_*` environment variables
//! (nested keys joined by `__`, e.g. `RAPPORT_HTTP__PORT=9090`), then `DATABASE_URL`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

mod auth;
mod database;
mod edge;
mod events;
mod graphql;
mod http;
mod imports;
mod log;
mod persisted;
mod sync;
mod telemetry;

pub use auth::AuthSettings;
pub use database::{DatabaseSettings, default_pool_size, default_sqlite_readers};
pub use edge::{MIN_WEBHOOK_SECRET_CHARS, RateLimitSettings};
pub use events::{EventSettings, SubscriptionSettings, WebhookSettings};
pub use graphql::GraphqlSettings;
pub use http::HttpSettings;
pub use imports::ImportSettings;
pub use log::{LogFormat, LogSettings};
pub use sync::{SchedulerSettings, SyncSettings};
pub use telemetry::TelemetrySettings;

use crate::auth::jwt::JwtSettings;
use crate::store::StoreSettings;

/// Everything the server and the CLI need to know.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite file and the generated JWT secret live.
    pub data_dir: PathBuf,
    /// Database URL; `None` means SQLite in `data_dir`. `DATABASE_URL` sets it too.
    pub database_url: Option<String>,
    /// HTTP listener.
    pub http: HttpSettings,
    /// Database pools and migrations.
    pub database: DatabaseSettings,
    /// Token verification.
    pub jwt: JwtSettings,
    /// GraphQL limits and tools.
    pub graphql: GraphqlSettings,
    /// Bootstrap admin and token lifetimes.
    pub auth: AuthSettings,
    /// Logging.
    pub log: LogSettings,
    /// Time-driven agreement transitions.
    pub scheduler: SchedulerSettings,
    /// Contact sync to email-marketing and telephony providers.
    pub sync: SyncSettings,
    /// Request rate limits per token subject, client address and webhook route.
    pub rate_limit: RateLimitSettings,
    /// The event relay, outbound webhooks and subscriptions.
    pub events: EventSettings,
    /// Metrics labels and traces.
    pub telemetry: TelemetrySettings,
    /// Import jobs.
    pub imports: ImportSettings,
    /// Mailchimp email marketing: contacts synced when this section is present. Never
    /// serialized back out (it holds the API key).
    #[cfg(feature = "mailchimp")]
    #[serde(skip_serializing)]
    pub mailchimp: Option<rapport_mailchimp::MailchimpConfig>,
    /// Ringover telephony: contacts synced when this section is present.
    #[cfg(feature = "ringover")]
    pub ringover: Option<rapport_ringover::RingoverConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            http: HttpSettings::default(),
            database: DatabaseSettings::default(),
            jwt: JwtSettings::default(),
            graphql: GraphqlSettings::default(),
            auth: AuthSettings::default(),
            log: LogSettings::default(),
            scheduler: SchedulerSettings::default(),
            sync: SyncSettings::default(),
            rate_limit: RateLimitSettings::default(),
            events: EventSettings::default(),
            telemetry: TelemetrySettings::default(),
            imports: ImportSettings::default(),
            #[cfg(feature = "mailchimp")]
            mailchimp: None,
            #[cfg(feature = "ringover")]
            ringover: None,
        }
    }
}

/// A settings problem, naming the key or file.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads settings from defaults, `config_file` (or `./rapport.toml` when present), and the
    /// environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config_file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("rapport.toml").exists() => {
                figment = figment.merge(Toml::file_exact("rapport.toml"));
            }
            None => {}
        }
        figment = figment
            .merge(Env::prefixed("RAPPORT_").split("__").ignore(&["config"]))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            );
        let settings: Settings = figment.extract().map_err(|e| ConfigError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks settings that parse but cannot work or are unsafe, naming the key.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.jwt
            .validate()
            .map_err(|e| ConfigError(e.to_string()))?;
        if self.http.max_body_bytes < 1024 {
            return Err(ConfigError(
                "http.max_body_bytes must be at least 1024".into(),
            ));
        }
        if self.graphql.max_query_bytes > self.http.max_body_bytes {
            return Err(ConfigError(
                "graphql.max_query_bytes must not exceed http.max_body_bytes".into(),
            ));
        }
        self.events.validate().map_err(ConfigError)?;
        self.imports.validate().map_err(ConfigError)?;
        self.telemetry.validate().map_err(ConfigError)?;
        if !(1..=24 * 60).contains(&self.auth.operator_token_minutes) {
            return Err(ConfigError(
                "auth.operator_token_minutes must be 1 to 1440".into(),
            ));
        }
        if self.log.refusal_window_secs == 0 {
            return Err(ConfigError(
                "log.refusal_window_secs must be at least 1".into(),
            ));
        }
        if self.http.body_timeout_secs == 0 {
            return Err(ConfigError(
                "http.body_timeout_secs must be at least 1".into(),
            ));
        }
        crate::http::TrustedProxies::parse(&self.http.trusted_proxies).map_err(ConfigError)?;
        crate::http::AllowedOrigins::parse(&self.http.cors_allowed_origins).map_err(ConfigError)?;
        crate::http::graphiql::validate_assets_url(&self.graphql.graphiql_assets_url)
            .map_err(ConfigError)?;
        self.graphql.validate_persisted().map_err(ConfigError)?;
        self.rate_limit.validate()?;
        crate::events::webhooks::send::validate(&self.events.webhooks).map_err(ConfigError)?;
        self.validate_webhook_secrets()
    }

    /// The database URL in force: the configured one, or SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("rapport.db").display()
            ),
        }
    }

    /// The store settings derived from these settings.
    pub fn store(&self) -> StoreSettings {
        let url = self.database_url();
        StoreSettings {
            pool_size: self.database.pool_size_for(url.starts_with("sqlite:")),
            url,
            busy_timeout: Duration::from_millis(self.database.busy_timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests;
