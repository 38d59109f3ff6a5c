//! The `[ringover]` config section.

use std::num::NonZeroUsize;
use std::time::Duration;

use rapport_integrations::ProviderLimits;
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Ringover's EU endpoint; the US one is `https://public-api-us.ringover.com/v2`.
pub const DEFAULT_BASE_URL: &str = "https://public-api.ringover.com/v2";

/// The most requests per second accepted in config: far above anything Ringover allows, low
/// enough that a typo (`2000` for `2`) is caught rather than obeyed.
const MAX_REQUESTS_PER_SECOND: f64 = 100.0;

/// The most calls the worker should run at once, whatever the rate.
const MAX_IN_FLIGHT: usize = 16;

/// How to reach Ringover and how hard to push it.
///
/// Serializing leaves the secrets out: a dump of the settings never shows them, and cannot be read
/// back as a working config by mistake.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RingoverConfig {
    /// The API key, sent raw in `Authorization` (Ringover takes no `Bearer` prefix).
    #[serde(skip_serializing)]
    pub api_key: SecretString,
    /// The API root including `/v2`; tests point it at a local mock.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Budget for one HTTP request, connect to last byte, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// HTTP requests per second this process may send. Ringover documents no limit; clients
    /// keep to about 2. Every request counts, not every contact: a sync is one request when
    /// nothing changed, a few when something did (a search per number and a create; or a read,
    /// an update and one per changed number).
    #[serde(default = "default_requests_per_second")]
    pub requests_per_second: f64,
    /// Whether contacts we create are shared with the whole Ringover team (`is_shared`).
    #[serde(default = "default_share_contacts")]
    pub share_contacts: bool,
    /// The secret Ringover signs webhooks with (HS512).
    #[serde(skip_serializing)]
    pub webhook_secret: SecretString,
    /// A link to a contact in the team's own application, shown by Ringover with a caller it
    /// identified through us: `{id}` stands for the contact's id
    /// (`https://app.example.com/contacts/{id}`). No link when unset.
    #[serde(default)]
    pub contact_url: Option<String>,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

const fn default_timeout_ms() -> u64 {
    10_000
}

const fn default_requests_per_second() -> f64 {
    2.0
}

const fn default_share_contacts() -> bool {
    true
}

/// What [`RingoverConfig::contact_url`] replaces with the contact's id.
const CONTACT_ID: &str = "{id}";

/// A config that cannot work, found at startup rather than at the first sync.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// `api_key` is blank.
    #[error("ringover.api_key must not be blank")]
    MissingApiKey,
    /// `webhook_secret` is blank: anyone could sign webhooks with an empty key.
    #[error("ringover.webhook_secret must not be blank")]
    MissingWebhookSecret,
    /// `base_url` is not an http(s) URL.
    #[error("ringover.base_url is not an http(s) URL: {0}")]
    BaseUrl(String),
    /// `timeout_ms` is zero.
    #[error("ringover.timeout_ms must be above zero")]
    Timeout,
    /// `requests_per_second` is not a positive number up to 100.
    #[error("ringover.requests_per_second must be above 0 and at most 100 (got {0})")]
    Rate(f64),
    /// `contact_url` is not an http(s) URL with `{id}` in it.
    #[error("ringover.contact_url must be an http(s) URL with {{id}} in it: {0}")]
    ContactUrl(String),
    /// The HTTP client could not be built (TLS backend).
    #[error("could not build the Ringover HTTP client: {0}")]
    Client(String),
}

impl RingoverConfig {
    /// A config with the defaults: EU endpoint, 10 s timeout, 2 requests per second, shared
    /// contacts.
    pub fn new(api_key: SecretString, webhook_secret: SecretString) -> Self {
        Self {
            api_key,
            base_url: default_base_url(),
            timeout_ms: default_timeout_ms(),
            requests_per_second: default_requests_per_second(),
            share_contacts: default_share_contacts(),
            webhook_secret,
            contact_url: None,
        }
    }

    /// The same config with a link template for identified callers (see
    /// [`contact_url`](Self::contact_url)).
    #[must_use]
    pub fn with_contact_url(mut self, template: impl Into<String>) -> Self {
        self.contact_url = Some(template.into());
        self
    }

    /// The link to the contact with `id` in the team's application, or an empty string when no
    /// [`contact_url`](Self::contact_url) is set.
    pub fn contact_link(&self, id: &str) -> String {
        self.contact_url
            .as_deref()
            .map(|template| template.replace(CONTACT_ID, id))
            .unwrap_or_default()
    }

    /// The same config with another API root.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The same config with another request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// The same config with another request rate.
    #[must_use]
    pub fn with_requests_per_second(mut self, requests_per_second: f64) -> Self {
        self.requests_per_second = requests_per_second;
        self
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The limits to register the provider with.
    ///
    /// The provider paces every HTTP request itself (one sync is several requests, which a
    /// per-call rate in the worker cannot see), so the worker gets no rate, only a small number
    /// of calls in flight (about one per request per second): enough to keep the pace when
    /// Ringover is slow, few enough that a call waits only a few request slots inside the
    /// provider for its turn, well under the worker's call timeout.
    pub fn limits(&self) -> ProviderLimits {
        let in_flight = if self.requests_per_second.is_finite() {
            // Bounded to 1..=16 before the cast, so it neither truncates nor wraps.
            self.requests_per_second
                .ceil()
                .clamp(1.0, MAX_IN_FLIGHT as f64) as usize
        } else {
            1
        };
        ProviderLimits::in_flight(NonZeroUsize::new(in_flight).unwrap_or(NonZeroUsize::MIN))
    }

    /// Checks everything that can be checked without calling Ringover, returning the parsed root.
    pub(crate) fn validate(&self) -> Result<Url, ConfigError> {
        if self.api_key.expose_secret().trim().is_empty() {
            return Err(ConfigError::MissingApiKey);
        }
        if self.webhook_secret.expose_secret().is_empty() {
            return Err(ConfigError::MissingWebhookSecret);
        }
        if self.timeout_ms == 0 {
            return Err(ConfigError::Timeout);
        }
        let rate = self.requests_per_second;
        if !(rate.is_finite() && rate > 0.0 && rate <= MAX_REQUESTS_PER_SECOND) {
            return Err(ConfigError::Rate(rate));
        }
        if let Some(template) = &self.contact_url {
            let refused = || ConfigError::ContactUrl(template.clone());
            if !template.contains(CONTACT_ID) {
                return Err(refused());
            }
            let sample = Url::parse(&template.replace(CONTACT_ID, "id")).map_err(|_| refused())?;
            if !matches!(sample.scheme(), "http" | "https") {
                return Err(refused());
            }
        }
        let url = Url::parse(self.base_url.trim_end_matches('/'))
            .map_err(|err| ConfigError::BaseUrl(err.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ConfigError::BaseUrl(format!(
                "scheme `{}` is not http or https",
                url.scheme()
            )));
        }
        Ok(url)
    }
}

impl std::fmt::Debug for RingoverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingoverConfig")
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("requests_per_second", &self.requests_per_second)
            .field("share_contacts", &self.share_contacts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RingoverConfig {
        RingoverConfig::new("key".into(), "secret".into())
    }

    #[test]
    fn a_section_with_only_the_secrets_takes_the_defaults() {
        let parsed: RingoverConfig =
            serde_json::from_str(r#"{"api_key":"k","webhook_secret":"s"}"#).expect("parses");
        assert_eq!(parsed.base_url, DEFAULT_BASE_URL);
        assert_eq!(parsed.timeout(), Duration::from_secs(10));
        assert!((parsed.requests_per_second - 2.0).abs() < f64::EPSILON);
        assert!(parsed.share_contacts);
        assert!(parsed.validate().is_ok());
    }

    #[test]
    fn a_misspelt_key_is_refused() {
        let parsed = serde_json::from_str::<RingoverConfig>(
            r#"{"api_key":"k","webhook_secret":"s","request_per_second":2}"#,
        );
        assert!(parsed.is_err());
    }

    #[test]
    fn neither_debug_nor_serialize_shows_the_secrets() {
        let config = RingoverConfig::new("sk-live-123".into(), "whsec-456".into());
        let shown = format!(
            "{config:?} {}",
            serde_json::to_string(&config).expect("serializes")
        );
        assert!(
            !shown.contains("sk-live-123") && !shown.contains("whsec-456"),
            "{shown}"
        );
    }

    #[test]
    fn configs_that_cannot_work_are_refused_at_startup() {
        let cases = [
            (config().with_requests_per_second(0.0), "rate 0"),
            (config().with_requests_per_second(f64::NAN), "rate NaN"),
            (config().with_requests_per_second(1_000.0), "rate 1000"),
            (config().with_timeout(Duration::ZERO), "timeout 0"),
            (config().with_base_url("ftp://example.com"), "ftp"),
            (config().with_base_url("not a url"), "not a url"),
            (RingoverConfig::new(" ".into(), "s".into()), "blank key"),
            (RingoverConfig::new("k".into(), "".into()), "blank secret"),
            (
                config().with_contact_url("https://app.example.com/contacts"),
                "a contact link without {id}",
            ),
            (
                config().with_contact_url("javascript:alert({id})"),
                "a contact link that is not http(s)",
            ),
        ];
        for (config, case) in cases {
            assert!(config.validate().is_err(), "{case}");
        }
    }

    #[test]
    fn a_contact_link_puts_the_id_in_its_template_and_is_empty_without_one() {
        let linked = config().with_contact_url("https://app.example.com/contacts/{id}?from=call");
        assert!(linked.validate().is_ok());
        assert_eq!(
            linked.contact_link("Q29udGFjdDo3"),
            "https://app.example.com/contacts/Q29udGFjdDo3?from=call"
        );
        assert_eq!(config().contact_link("Q29udGFjdDo3"), "");
    }

    #[test]
    fn the_worker_runs_about_one_call_per_request_per_second_in_flight() {
        let in_flight = |rate: f64| {
            config()
                .with_requests_per_second(rate)
                .limits()
                .max_in_flight
                .map(NonZeroUsize::get)
        };
        assert_eq!(in_flight(0.5), Some(1));
        assert_eq!(in_flight(2.0), Some(2));
        assert_eq!(in_flight(2.5), Some(3));
        assert_eq!(in_flight(100.0), Some(16));
        assert_eq!(config().limits().rate, None);
    }
}
