//! Settings: defaults, then an optional `rapport.toml`, then `RAPPORT_*` environment variables
//! (nested keys joined by `__`, e.g. `RAPPORT_HTTP__PORT=9090`), then `DATABASE_URL`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

mod database;
mod edge;
mod events;
mod http;
mod imports;
mod persisted;
mod telemetry;

pub use database::{DatabaseSettings, default_pool_size, default_sqlite_readers};
pub use edge::{MIN_WEBHOOK_SECRET_CHARS, RateLimitSettings};
pub use events::{EventSettings, SubscriptionSettings, WebhookSettings};
pub use http::HttpSettings;
pub use imports::ImportSettings;
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

/// Contact sync.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Run the sync worker inside the server.
    pub run_in_server: bool,
    /// How long an idle worker waits before looking for jobs again, in milliseconds.
    pub poll_ms: u64,
    /// Jobs a worker claims per provider per step.
    pub batch_size: usize,
    /// How long a claim holds a job, in seconds. A worker that dies mid-step leaves its jobs
    /// to be reclaimed by any worker once this passes; it must exceed `call_timeout_secs` plus
    /// the wait for a provider's rate limit over one batch.
    pub lease_secs: u64,
    /// The longest one provider call may take, in seconds, before it counts as a retryable
    /// timeout.
    pub call_timeout_secs: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        let worker = rapport_integrations::WorkerConfig::default();
        Self {
            run_in_server: true,
            poll_ms: 1_000,
            batch_size: worker.batch_size,
            lease_secs: worker.lease.as_secs(),
            call_timeout_secs: worker.call_timeout.as_secs(),
        }
    }
}

impl SyncSettings {
    /// The worker configuration these settings describe, for the worker named `worker_id`.
    ///
    /// # Errors
    /// A setting the worker cannot run with, named.
    pub fn worker_config(
        &self,
        worker_id: String,
    ) -> Result<rapport_integrations::WorkerConfig, String> {
        if self.batch_size == 0 {
            return Err("sync.batch_size must be at least 1".to_owned());
        }
        if self.call_timeout_secs == 0 {
            return Err("sync.call_timeout_secs must be at least 1".to_owned());
        }
        if self.lease_secs <= self.call_timeout_secs {
            return Err(format!(
                "sync.lease_secs ({}) must exceed sync.call_timeout_secs ({})",
                self.lease_secs, self.call_timeout_secs
            ));
        }
        Ok(rapport_integrations::WorkerConfig {
            worker_id,
            batch_size: self.batch_size,
            lease: std::time::Duration::from_secs(self.lease_secs),
            call_timeout: std::time::Duration::from_secs(self.call_timeout_secs),
            ..rapport_integrations::WorkerConfig::default()
        })
    }
}

/// Time-driven agreement transitions (review due, notice deadlines, renewal, expiry).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// Seconds between runs inside the server; 0 turns the in-server scheduler off.
    pub interval_secs: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self { interval_secs: 300 }
    }
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

/// GraphQL limits and tools.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlSettings {
    /// Allow introspection queries (and serve the SDL).
    pub introspection: bool,
    /// Deepest nesting of data fields (fields under `__schema` / `__type` are not counted).
    pub max_depth: usize,
    /// Deepest nesting of fields under `__schema` / `__type` (introspection), bounded apart
    /// from data so that GraphiQL, codegen and IDE plugins work under the default data limit.
    pub max_introspection_depth: usize,
    /// Highest cost of a query: the most objects its answer can hold, every connection
    /// counted by `first`/`last` (or the default page size) times the objects of one item;
    /// scalars count nothing (the model: `graphql::guard::model`).
    pub max_complexity: usize,
    /// Most selections a document may expand to once its fragments are spread (bounds the
    /// validator's walk, whatever the document asks for).
    pub max_selections: usize,
    /// Most aliases in one document.
    pub max_aliases: usize,
    /// Most directives on one field.
    pub max_directives: usize,
    /// Largest query document, in bytes.
    pub max_query_bytes: usize,
    /// Most lexical tokens in one document (names, punctuation, values), counted before parsing.
    pub max_tokens: usize,
    /// Most fragment definitions in one document.
    pub max_fragments: usize,
    /// Most fragment spreads once every fragment is spread where it is used.
    pub max_fragment_spreads: usize,
    /// Deepest nesting of selections, counted through fields, inline fragments and spreads.
    pub max_nesting: usize,
    /// Serve GraphiQL at `GET /graphql` to browsers.
    pub graphiql: bool,
    /// Empty (the default): GraphiQL's scripts and styles are served by rapport itself (built
    /// in by `api/graphiql/build.sh`; a binary built without them loads the same pinned files
    /// from unpkg). Set to a CDN or mirror base URL with npm's layout
    /// (`https://cdn.jsdelivr.net/npm`) to load them from there, pinned and integrity-checked.
    pub graphiql_assets_url: String,
    /// DataLoader batch window, in microseconds.
    pub loader_delay_us: u64,
    /// Automatic persisted queries (Apollo's protocol): a client may send a query's SHA-256
    /// instead of its text once the server has seen the text.
    pub apq_enabled: bool,
    /// Most documents the automatic persisted-query store keeps (least recently used out).
    pub apq_cache_size: usize,
    /// Most bytes of document text that store keeps (least recently used out).
    pub apq_cache_bytes: usize,
    /// Run only the documents registered in `trusted_documents` (and, for a role listed in
    /// `trusted_documents_by_role`, only that role's file); automatic registration is off.
    pub trusted_documents_only: bool,
    /// A JSON file mapping document hash to document text, as a client build writes it.
    pub trusted_documents: Option<PathBuf>,
    /// Per role (`PARTNER = "partner-documents.json"`), the only documents that role may run
    /// in trusted-documents mode, instead of `trusted_documents`.
    pub trusted_documents_by_role: BTreeMap<String, PathBuf>,
}

impl Default for GraphqlSettings {
    fn default() -> Self {
        Self {
            introspection: true,
            max_depth: 12,
            max_introspection_depth: 15,
            max_complexity: 20_000,
            max_selections: 5_000,
            max_aliases: 30,
            max_directives: 5,
            max_query_bytes: 32 * 1024,
            max_tokens: 10_000,
            max_fragments: 200,
            max_fragment_spreads: 1_000,
            max_nesting: 64,
            graphiql: true,
            graphiql_assets_url: String::new(),
            loader_delay_us: 200,
            apq_enabled: true,
            apq_cache_size: 1_000,
            apq_cache_bytes: 8 * 1024 * 1024,
            trusted_documents_only: false,
            trusted_documents: None,
            trusted_documents_by_role: BTreeMap::new(),
        }
    }
}

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

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log shippers.
    pub format: LogFormat,
    /// Filter in `tracing` syntax (`info,rapport_api=debug`); `RUST_LOG` overrides it.
    pub filter: String,
    /// Refused requests (4xx) logged per window; the rest are counted in one summary line.
    pub refusal_lines: u32,
    /// The window of `refusal_lines`, in seconds.
    pub refusal_window_secs: u64,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info".into(),
            refusal_lines: 10,
            refusal_window_secs: 60,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
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
mod tests {
    use super::*;

    #[test]
    fn sync_settings_a_worker_cannot_run_with_are_refused_by_name() {
        let worker = SyncSettings::default()
            .worker_config("w".to_owned())
            .expect("defaults are valid");
        assert_eq!(worker.batch_size, 50);
        let short_lease = SyncSettings {
            lease_secs: 30,
            call_timeout_secs: 30,
            ..SyncSettings::default()
        };
        let err = short_lease.worker_config("w".to_owned()).unwrap_err();
        assert!(
            err.contains("sync.lease_secs (30) must exceed sync.call_timeout_secs (30)"),
            "{err}"
        );
        let no_batch = SyncSettings {
            batch_size: 0,
            ..SyncSettings::default()
        };
        assert!(
            no_batch
                .worker_config("w".to_owned())
                .unwrap_err()
                .contains("sync.batch_size")
        );
    }

    #[test]
    fn defaults_serve_sqlite_in_the_data_folder_on_port_8080() {
        let s = Settings::default();
        assert_eq!(s.http.port, 8080);
        assert_eq!(s.http.host, "127.0.0.1");
        assert!(s.database_url().starts_with("sqlite://data/rapport.db"));
        assert!(s.validate().is_ok());
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn the_environment_overrides_the_file_which_overrides_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "rapport.toml",
                "data_dir = \"/srv/rapport\"\n[http]\nport = 9000\nhost = \"0.0.0.0\"\n[graphql]\nintrospection = false\n",
            )?;
            jail.set_env("RAPPORT_HTTP__PORT", "9100");
            jail.set_env("DATABASE_URL", "postgres://rapport@db/rapport");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.http.port, 9100, "env beats the file");
            assert_eq!(s.http.host, "0.0.0.0", "the file beats the defaults");
            assert_eq!(s.data_dir, PathBuf::from("/srv/rapport"));
            assert!(!s.graphql.introspection);
            assert_eq!(s.database_url(), "postgres://rapport@db/rapport");
            assert_eq!(
                s.graphql.max_depth, 12,
                "untouched keys keep their defaults"
            );
            Ok(())
        });
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn an_unknown_key_or_a_bad_value_is_refused_naming_it() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("rapport.toml", "[http]\nprot = 9000\n")?;
            let err = Settings::load(None).expect_err("unknown key");
            assert!(err.to_string().contains("prot"), "{err}");
            jail.create_file("rapport.toml", "")?;
            jail.set_env("RAPPORT_JWT__LEEWAY_SECONDS", "120");
            let err = Settings::load(None).expect_err("leeway too large");
            assert!(err.to_string().contains("leeway"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_named_explicitly_is_an_error() {
        let err =
            Settings::load(Some(Path::new("/nonexistent/rapport.toml"))).expect_err("missing file");
        assert!(err.to_string().contains("does not exist"));
    }
}
