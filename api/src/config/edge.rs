//! Settings of the server's edge: rate limits, and the rule on webhook secrets.

use serde::{Deserialize, Serialize};

use super::{ConfigError, Settings};

/// Request rate limits (GCRA token buckets): a bucket holds `*_burst` requests and refills at
/// `*_per_minute`. Past it, requests are answered 429 with `Retry-After`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Turn every limit on or off.
    pub enabled: bool,
    /// Requests per minute of one token subject (a team member, or a partner).
    pub subject_per_minute: u32,
    /// Requests one token subject may send at once.
    pub subject_burst: u32,
    /// Unauthenticated or refused requests per minute from one client address (an IPv6
    /// client counts by its /64).
    pub address_per_minute: u32,
    /// Unauthenticated or refused requests one client address may send at once.
    pub address_burst: u32,
    /// Deliveries per minute to one webhook route (`/webhooks/mailchimp/…`,
    /// `/webhooks/ringover`).
    pub webhook_per_minute: u32,
    /// Deliveries one webhook route accepts at once.
    pub webhook_burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            subject_per_minute: 1_200,
            subject_burst: 300,
            address_per_minute: 60,
            address_burst: 30,
            webhook_per_minute: 1_200,
            webhook_burst: 300,
        }
    }
}

impl RateLimitSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let values = [
            ("subject_per_minute", self.subject_per_minute),
            ("subject_burst", self.subject_burst),
            ("address_per_minute", self.address_per_minute),
            ("address_burst", self.address_burst),
            ("webhook_per_minute", self.webhook_per_minute),
            ("webhook_burst", self.webhook_burst),
        ];
        match values.iter().find(|(_, v)| *v == 0) {
            Some((name, _)) => Err(ConfigError(format!(
                "rate_limit.{name} must be at least 1 (turn limits off with rate_limit.enabled = false)"
            ))),
            None => Ok(()),
        }
    }
}

/// The shortest webhook secret accepted: the secret is the whole credential of a webhook
/// route, so it must not be guessable.
pub const MIN_WEBHOOK_SECRET_CHARS: usize = 32;

impl Settings {
    pub(super) fn validate_webhook_secrets(&self) -> Result<(), ConfigError> {
        #[cfg_attr(
            not(any(feature = "mailchimp", feature = "ringover")),
            expect(unused_mut, reason = "no provider compiled in")
        )]
        let mut secrets: Vec<(&str, &str)> = Vec::new();
        #[cfg(feature = "mailchimp")]
        if let Some(secret) = self
            .mailchimp
            .as_ref()
            .and_then(|m| m.webhook_secret.as_ref())
        {
            secrets.push((
                "mailchimp.webhook_secret",
                secrecy::ExposeSecret::expose_secret(secret),
            ));
        }
        #[cfg(feature = "ringover")]
        if let Some(ringover) = &self.ringover {
            secrets.push((
                "ringover.webhook_secret",
                secrecy::ExposeSecret::expose_secret(&ringover.webhook_secret),
            ));
        }
        for (key, secret) in secrets {
            if secret.trim().chars().count() < MIN_WEBHOOK_SECRET_CHARS {
                return Err(ConfigError(format!(
                    "{key} must be at least {MIN_WEBHOOK_SECRET_CHARS} characters: it is the only \
                     credential of its webhook route (generate one with `openssl rand -hex 32`)"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn a_webhook_secret_shorter_than_32_characters_is_refused_naming_the_setting() {
        figment::Jail::expect_with(|jail| {
            let long = "k".repeat(MIN_WEBHOOK_SECRET_CHARS);
            let short = "k".repeat(MIN_WEBHOOK_SECRET_CHARS - 1);
            for (section, extra) in [
                ("mailchimp", "api_key = \"k-us1\"\nlist_id = \"list1\"\n"),
                ("ringover", "api_key = \"k\"\n"),
            ] {
                jail.create_file(
                    "rapport.toml",
                    &format!("[{section}]\n{extra}webhook_secret = \"{short}\"\n"),
                )?;
                let err = Settings::load(None).expect_err("short secret").to_string();
                assert!(
                    err.contains(&format!("{section}.webhook_secret"))
                        && err.contains("at least 32 characters"),
                    "{err}"
                );
                jail.create_file(
                    "rapport.toml",
                    &format!("[{section}]\n{extra}webhook_secret = \"{long}\"\n"),
                )?;
                Settings::load(None).map_err(|e| e.to_string())?;
            }
            jail.create_file(
                "rapport.toml",
                "[mailchimp]\napi_key = \"k-us1\"\nlist_id = \"list1\"\nwebhook_secret = \"x\"\n",
            )?;
            assert!(Settings::load(None).is_err(), "a one-character secret");
            Ok(())
        });
    }

    #[test]
    fn edge_settings_that_cannot_work_are_refused_by_name() {
        let mut s = Settings::default();
        s.http.trusted_proxies = vec!["10.0.0.0/8".into(), "10.0.0.300".into()];
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("`10.0.0.300`"),
            "a bad proxy entry is named"
        );
        let mut s = Settings::default();
        s.rate_limit.address_burst = 0;
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("rate_limit.address_burst")
        );
        let mut s = Settings::default();
        s.http.body_timeout_secs = 0;
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("http.body_timeout_secs")
        );
        let d = Settings::default();
        assert_eq!(d.http.body_timeout_secs, 10);
        assert!(d.rate_limit.enabled && d.http.trusted_proxies.is_empty());
    }
}
