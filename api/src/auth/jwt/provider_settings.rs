//! Checks of the identity-provider settings (`jwks_url`, the claim mapping, provisioning).

use rapport_domain::role::Role;

use super::error::JwtError;
use super::settings::JwtSettings;

/// Bounds of `jwks_cache_seconds` (a day at most: a provider's rotation must be seen).
pub const JWKS_CACHE_SECONDS_MAX: u64 = 86_400;
/// Bounds of `jwks_refresh_seconds`.
pub const JWKS_REFRESH_SECONDS_MAX: u64 = 3600;
/// Bound of `jwks_stale_seconds` (a week).
pub const JWKS_STALE_SECONDS_MAX: u64 = 7 * 86_400;
/// Bound of `jwks_timeout_seconds`.
pub const JWKS_TIMEOUT_SECONDS_MAX: u64 = 60;

fn invalid(setting: &'static str, reason: impl Into<String>) -> JwtError {
    JwtError::InvalidSetting {
        setting,
        reason: reason.into(),
    }
}

/// A staff role named by a setting: any role but `PARTNER`.
pub(in crate::auth) fn staff_role(setting: &'static str, raw: &str) -> Result<Role, JwtError> {
    match Role::parse(raw) {
        Ok(Role::Partner) => Err(invalid(
            setting,
            "PARTNER cannot come from an identity provider; partners use Rapport's tokens",
        )),
        Ok(role) => Ok(role),
        Err(_) => Err(invalid(
            setting,
            format!("`{raw}` is not one of ADMIN, ACCOUNT_MANAGER, SUPPORT_AGENT, VIEWER"),
        )),
    }
}

fn in_bounds(setting: &'static str, value: u64, max: u64) -> Result<(), JwtError> {
    if value == 0 || value > max {
        return Err(invalid(
            setting,
            format!("{value} is not between 1 and {max}"),
        ));
    }
    Ok(())
}

impl JwtSettings {
    /// `jwks_url` and the settings that only mean something with it.
    pub(super) fn validate_provider(&self) -> Result<(), JwtError> {
        let Some(raw_url) = &self.jwks_url else {
            let stray = [
                ("provider_issuer", self.provider_issuer.is_some()),
                ("provider_audience", self.provider_audience.is_some()),
                ("role_claim", self.role_claim.is_some()),
                ("role_map", !self.role_map.is_empty()),
                ("auto_provision", self.auto_provision),
                ("jwks_http_hosts", !self.jwks_http_hosts.is_empty()),
            ];
            return match stray.iter().find(|(_, set)| *set) {
                Some((setting, _)) => Err(invalid(setting, "is set, but jwks_url is not")),
                None => Ok(()),
            };
        };
        self.check_jwks_url(raw_url)?;
        for (setting, set) in [
            ("public_key_pem", self.public_key_pem.is_some()),
            ("jwks_file", self.jwks_file.is_some()),
            ("private_key_pem", self.private_key_pem.is_some()),
        ] {
            if set {
                return Err(invalid(
                    setting,
                    "cannot be combined with jwks_url: the provider's keys verify every \
                     RS256/ES256/EdDSA token, and Rapport mints only HS256 tokens beside them",
                ));
            }
        }
        if !self.algorithms.iter().any(|alg| alg.is_asymmetric()) {
            return Err(invalid(
                "algorithms",
                "jwks_url is set, but no asymmetric algorithm (RS256, ES256, EdDSA) is pinned",
            ));
        }
        for (setting, value) in [
            ("provider_issuer", &self.provider_issuer),
            ("provider_audience", &self.provider_audience),
        ] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                return Err(invalid(setting, "is required with jwks_url"));
            }
        }
        in_bounds(
            "jwks_cache_seconds",
            self.jwks_cache_seconds,
            JWKS_CACHE_SECONDS_MAX,
        )?;
        in_bounds(
            "jwks_refresh_seconds",
            self.jwks_refresh_seconds,
            JWKS_REFRESH_SECONDS_MAX,
        )?;
        if self.jwks_stale_seconds > JWKS_STALE_SECONDS_MAX {
            return Err(invalid(
                "jwks_stale_seconds",
                format!(
                    "{} is above the maximum of {JWKS_STALE_SECONDS_MAX}",
                    self.jwks_stale_seconds
                ),
            ));
        }
        in_bounds(
            "jwks_timeout_seconds",
            self.jwks_timeout_seconds,
            JWKS_TIMEOUT_SECONDS_MAX,
        )?;
        if self.subject_claim.trim().is_empty() {
            return Err(invalid("subject_claim", "must not be empty"));
        }
        if !self.role_map.is_empty() && self.role_claim.is_none() {
            return Err(invalid("role_map", "is set, but role_claim is not"));
        }
        if self
            .role_claim
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err(invalid("role_claim", "must not be empty"));
        }
        for role in self.role_map.values() {
            staff_role("role_map", role)?;
        }
        staff_role("auto_provision_role", &self.auto_provision_role)?;
        Ok(())
    }

    fn check_jwks_url(&self, raw: &str) -> Result<(), JwtError> {
        let url = url::Url::parse(raw)
            .map_err(|err| invalid("jwks_url", format!("`{raw}` is not a URL: {err}")))?;
        let host = url.host_str().unwrap_or_default();
        match url.scheme() {
            "https" => Ok(()),
            "http"
                if self
                    .jwks_http_hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(host)) =>
            {
                Ok(())
            }
            "http" => Err(invalid(
                "jwks_url",
                format!(
                    "plain http to `{host}` is refused: use https, or list the host in \
                     jwks_http_hosts (loopback or a private named host only)"
                ),
            )),
            other => Err(invalid(
                "jwks_url",
                format!("scheme `{other}` is not https"),
            )),
        }
    }
}
