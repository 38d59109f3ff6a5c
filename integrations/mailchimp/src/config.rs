//! The `mailchimp` configuration section.

use std::num::NonZeroUsize;
use std::time::Duration;

use rapport_domain::account::RelationshipType;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

/// Settings of the Mailchimp provider, read by the api from its `mailchimp` section.
///
/// Only `api_key` and `list_id` are required. The key is a [`SecretString`]: it never appears in
/// `Debug` output or logs. The type deserializes only (a secret is never written back out); the
/// api's settings should mark the section `#[serde(skip_serializing)]` if they serialize.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailchimpConfig {
    /// API key, `<key>-<data centre>` (`…-us19`). Sent as the HTTP Basic password.
    pub api_key: SecretString,
    /// API root including `/3.0`. `None` derives it from the key's data centre
    /// (`https://us19.api.mailchimp.com/3.0`); tests and contract runs point it at a mock.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The audience (list) id contacts are synced to.
    pub list_id: String,
    /// Timeout of one member call, in seconds (Mailchimp itself gives up after 120).
    #[serde(default = "defaults::timeout_secs")]
    pub timeout_secs: u64,
    /// Timeout of one batch-subscribe call of up to 500 members, in seconds.
    #[serde(default = "defaults::batch_timeout_secs")]
    pub batch_timeout_secs: u64,
    /// Merge tag that holds the relationship type (`CLIENT` or `CUSTOMER`). The audience must
    /// have this merge field (type text), or every upsert fails as "Invalid Resource".
    #[serde(default = "defaults::relationship_merge_field")]
    pub relationship_merge_field: String,
    /// Merge tag for the contact's first phone number in E.164 form; `None` sends no phone.
    /// The audience's field must accept international numbers (phone format "none"), not only
    /// US ones.
    #[serde(default = "defaults::phone_merge_field")]
    pub phone_merge_field: Option<String>,
    /// Tag set on members whose account is a client (and removed from customers).
    #[serde(default = "defaults::client_tag")]
    pub client_tag: String,
    /// Tag set on members whose account is a customer (and removed from clients).
    #[serde(default = "defaults::customer_tag")]
    pub customer_tag: String,
    /// Most calls in flight at once from this process. Mailchimp allows 10 connections per key;
    /// when several processes share a key, give each its share.
    #[serde(default = "defaults::max_connections")]
    pub max_connections: NonZeroUsize,
    /// The secret path segment of the webhook URL Mailchimp is given
    /// (`/webhooks/mailchimp/{secret}`): Mailchimp signs nothing, so the URL is the credential.
    /// Use a long random value of URL-safe characters. `None` turns the webhook route off.
    #[serde(default)]
    pub webhook_secret: Option<SecretString>,
}

mod defaults {
    use std::num::NonZeroUsize;

    pub(super) const fn timeout_secs() -> u64 {
        30
    }
    pub(super) const fn batch_timeout_secs() -> u64 {
        120
    }
    pub(super) fn relationship_merge_field() -> String {
        "RELTYPE".to_owned()
    }
    #[expect(
        clippy::unnecessary_wraps,
        reason = "serde's default must have the field's type"
    )]
    pub(super) fn phone_merge_field() -> Option<String> {
        Some("PHONE".to_owned())
    }
    pub(super) fn client_tag() -> String {
        "client".to_owned()
    }
    pub(super) fn customer_tag() -> String {
        "customer".to_owned()
    }
    pub(super) const fn max_connections() -> NonZeroUsize {
        NonZeroUsize::new(10).expect("10 is not zero")
    }
}

impl MailchimpConfig {
    /// A configuration with the defaults for everything but the key, the audience and the base
    /// URL.
    pub fn new(api_key: SecretString, list_id: impl Into<String>) -> Self {
        Self {
            api_key,
            base_url: None,
            list_id: list_id.into(),
            timeout_secs: defaults::timeout_secs(),
            batch_timeout_secs: defaults::batch_timeout_secs(),
            relationship_merge_field: defaults::relationship_merge_field(),
            phone_merge_field: defaults::phone_merge_field(),
            client_tag: defaults::client_tag(),
            customer_tag: defaults::customer_tag(),
            max_connections: defaults::max_connections(),
            webhook_secret: None,
        }
    }

    /// The same configuration with the webhook secret set.
    #[must_use]
    pub fn with_webhook_secret(mut self, secret: SecretString) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// The webhook secret, when one is set and not blank.
    pub fn webhook_secret(&self) -> Option<&str> {
        self.webhook_secret
            .as_ref()
            .map(|s| s.expose_secret())
            .filter(|s| !s.trim().is_empty())
    }

    /// Points the provider at another API root (a mock server).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Timeout of one member call.
    pub const fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// Timeout of one batch-subscribe call.
    pub const fn batch_timeout(&self) -> Duration {
        Duration::from_secs(self.batch_timeout_secs)
    }

    /// The tag of a relationship type.
    pub fn tag_for(&self, relationship: RelationshipType) -> &str {
        match relationship {
            RelationshipType::Client => &self.client_tag,
            RelationshipType::Customer => &self.customer_tag,
        }
    }

    /// The API root without a trailing slash: `base_url`, or the key's data centre.
    pub(crate) fn api_root(&self) -> Result<String, ConfigError> {
        let root = match &self.base_url {
            Some(url) => url.trim().trim_end_matches('/').to_owned(),
            None => {
                let key = self.api_key.expose_secret();
                let dc = key
                    .rsplit_once('-')
                    .map(|(_, dc)| dc)
                    .filter(|dc| !dc.is_empty() && dc.bytes().all(|b| b.is_ascii_alphanumeric()))
                    .ok_or(ConfigError::NoDataCentre)?;
                format!("https://{dc}.api.mailchimp.com/3.0")
            }
        };
        let parsed = reqwest::Url::parse(&root).map_err(|_| ConfigError::BaseUrl)?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(ConfigError::BaseUrl);
        }
        Ok(root)
    }

    /// Checks everything that would otherwise fail on every call.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.api_key.expose_secret().trim().is_empty() {
            return Err(ConfigError::Empty("api_key"));
        }
        let list_ok =
            !self.list_id.is_empty() && self.list_id.bytes().all(|b| b.is_ascii_alphanumeric());
        if !list_ok {
            return Err(ConfigError::ListId);
        }
        if self
            .webhook_secret
            .as_ref()
            .is_some_and(|s| s.expose_secret().trim().is_empty())
        {
            return Err(ConfigError::Empty("webhook_secret"));
        }
        if self.timeout_secs == 0 || self.batch_timeout_secs == 0 {
            return Err(ConfigError::Timeout);
        }
        let merge_tags =
            std::iter::once(("relationship_merge_field", &self.relationship_merge_field)).chain(
                self.phone_merge_field
                    .iter()
                    .map(|t| ("phone_merge_field", t)),
            );
        for (field, tag) in merge_tags {
            let ok = !tag.is_empty()
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !matches!(tag.as_str(), "FNAME" | "LNAME" | "EMAIL");
            if !ok {
                return Err(ConfigError::MergeTag(field));
            }
        }
        for (field, tag) in [
            ("client_tag", &self.client_tag),
            ("customer_tag", &self.customer_tag),
        ] {
            let tag = tag.trim();
            if tag.is_empty() || tag.chars().count() > 100 {
                return Err(ConfigError::Tag(field));
            }
        }
        if self
            .client_tag
            .trim()
            .eq_ignore_ascii_case(self.customer_tag.trim())
        {
            return Err(ConfigError::SameTags);
        }
        self.api_root().map(drop)
    }
}

/// A `mailchimp` section the provider cannot work with. Messages name the setting, never the
/// key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is blank.
    #[error("mailchimp.{0} must not be blank")]
    Empty(&'static str),
    /// The key has no `-<data centre>` suffix and no `base_url` was given.
    #[error(
        "mailchimp.api_key has no data-centre suffix (like `-us19`): set mailchimp.base_url instead"
    )]
    NoDataCentre,
    /// `base_url` is not an http(s) URL.
    #[error("mailchimp.base_url must be an http or https URL")]
    BaseUrl,
    /// The audience id is not a plain alphanumeric id.
    #[error("mailchimp.list_id must be the audience id: letters and digits only")]
    ListId,
    /// A timeout of zero.
    #[error("mailchimp.timeout_secs and mailchimp.batch_timeout_secs must be at least 1")]
    Timeout,
    /// A merge tag that Mailchimp would refuse, or one this provider already fills.
    #[error(
        "mailchimp.{0} must be a merge tag (capital letters, digits, underscores), other than FNAME, LNAME and EMAIL"
    )]
    MergeTag(&'static str),
    /// A blank or overlong tag name.
    #[error("mailchimp.{0} must be 1 to 100 characters")]
    Tag(&'static str),
    /// The two relationship tags are one tag.
    #[error("mailchimp.client_tag and mailchimp.customer_tag must differ")]
    SameTags,
    /// The HTTP client could not be built (the TLS backend failed to initialise).
    #[error("the Mailchimp HTTP client could not be built")]
    Client,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(key: &str) -> MailchimpConfig {
        MailchimpConfig::new(SecretString::from(key), "a1b2c3d4e5")
    }

    #[test]
    fn the_api_root_comes_from_the_keys_data_centre_unless_a_base_url_is_given() {
        assert_eq!(
            config("0123abcd-us19").api_root(),
            Ok("https://us19.api.mailchimp.com/3.0".to_owned())
        );
        assert_eq!(
            config("0123abcd").api_root(),
            Err(ConfigError::NoDataCentre)
        );
        assert_eq!(
            config("0123abcd")
                .with_base_url("http://127.0.0.1:4010/")
                .api_root(),
            Ok("http://127.0.0.1:4010".to_owned())
        );
        assert_eq!(
            config("k-us1").with_base_url("not a url").validate(),
            Err(ConfigError::BaseUrl)
        );
    }

    #[test]
    fn a_section_with_only_the_key_and_the_audience_gets_the_defaults() {
        let section = r#"{"api_key": "k-us1", "list_id": "a1b2c3d4e5"}"#;
        let parsed: MailchimpConfig = serde_json::from_str(section).expect("a valid section");
        assert_eq!(parsed.relationship_merge_field, "RELTYPE");
        assert_eq!(parsed.phone_merge_field.as_deref(), Some("PHONE"));
        assert_eq!(
            (parsed.client_tag.as_str(), parsed.customer_tag.as_str()),
            ("client", "customer")
        );
        assert_eq!(parsed.max_connections.get(), 10);
        assert_eq!(parsed.timeout(), Duration::from_secs(30));
        assert_eq!(parsed.webhook_secret(), None, "no webhook route by default");
        assert_eq!(parsed.validate(), Ok(()));
        assert!(
            !format!("{parsed:?}").contains("k-us1"),
            "the key must not be printed"
        );
    }

    #[test]
    fn a_webhook_secret_is_read_but_never_printed() {
        let section =
            r#"{"api_key": "k-us1", "list_id": "a1b2c3d4e5", "webhook_secret": "hook-s3cret"}"#;
        let parsed: MailchimpConfig = serde_json::from_str(section).expect("a valid section");
        assert_eq!(parsed.webhook_secret(), Some("hook-s3cret"));
        assert_eq!(parsed.validate(), Ok(()));
        assert!(
            !format!("{parsed:?}").contains("hook-s3cret"),
            "the webhook secret must not be printed"
        );
    }

    #[test]
    fn settings_that_would_fail_every_call_are_refused_naming_the_setting() {
        let mut bad = config("k-us1");
        bad.list_id = "../lists".into();
        assert_eq!(bad.validate(), Err(ConfigError::ListId));
        let mut bad = config("k-us1");
        bad.relationship_merge_field = "rel type".into();
        assert_eq!(
            bad.validate(),
            Err(ConfigError::MergeTag("relationship_merge_field"))
        );
        let mut bad = config("k-us1");
        bad.customer_tag = "Client".into();
        assert_eq!(bad.validate(), Err(ConfigError::SameTags));
        let mut bad = config("k-us1");
        bad.timeout_secs = 0;
        assert_eq!(bad.validate(), Err(ConfigError::Timeout));
        assert_eq!(config(" ").validate(), Err(ConfigError::Empty("api_key")));
        let blank_secret = config("k-us1").with_webhook_secret(SecretString::from(" "));
        assert_eq!(
            blank_secret.validate(),
            Err(ConfigError::Empty("webhook_secret"))
        );
        let unknown = r#"{"api_key": "k-us1", "list_id": "x", "listid": "y"}"#;
        assert!(serde_json::from_str::<MailchimpConfig>(unknown).is_err());
    }
}
