//! Sign-in through an identity provider (`jwt.jwks_url`): its tokens are verified with the
//! keys it publishes ([`remote_keys`]), their claims mapped to a Rapport identity ([`token`]),
//! and the user linked to a team member — or provisioned — ([`link`]) through the same
//! authentication cache as Rapport's own tokens, so deactivation still takes effect at once.
//!
//! Tokens are routed by algorithm: with `jwks_url` set, every RS256/ES256/EdDSA token is the
//! provider's (no other asymmetric key may be configured), and HS256 tokens stay Rapport's own
//! (partners, operator tokens).

mod fetch;
mod link;
mod remote_keys;
#[cfg(test)]
mod tests;
mod token;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::Validation;
use rapport_domain::role::Role;

pub use fetch::{FetchError, Fetched, HttpJwksSource, JwksSource, MAX_JWKS_BYTES, max_age};
pub(super) use link::authenticate_provider;
pub use remote_keys::{CachePolicy, Clock, MAX_MAX_AGE, MIN_MAX_AGE, RemoteJwks};
pub use token::ProviderIdentity;
pub(super) use token::header_algorithm;

use super::jwt::{JwtAlgorithm, JwtError, JwtSettings, staff_role};

/// The identity provider: its keys and how its claims map to Rapport.
#[derive(Debug)]
pub struct Provider {
    keys: RemoteJwks,
    issuer: String,
    validations: Vec<(JwtAlgorithm, Validation)>,
    subject_claim: String,
    email_claim: Option<String>,
    role_claim: Option<String>,
    role_map: BTreeMap<String, Role>,
    auto_provision: Option<Role>,
}

impl Provider {
    /// The provider the settings describe, fetching over HTTP; `None` without `jwks_url`.
    /// Settings must have passed [`JwtSettings::validate`].
    pub fn from_settings(
        settings: &JwtSettings,
        asymmetric: &[JwtAlgorithm],
    ) -> Result<Option<Self>, JwtError> {
        let Some(url) = &settings.jwks_url else {
            return Ok(None);
        };
        let source = HttpJwksSource::new(url, Duration::from_secs(settings.jwks_timeout_seconds))
            .map_err(|reason| JwtError::InvalidSetting {
            setting: "jwks_url",
            reason,
        })?;
        Self::with_source(
            settings,
            asymmetric,
            Box::new(source),
            Arc::new(Instant::now),
        )
        .map(Some)
    }

    /// The provider with another key source and clock (tests).
    pub fn with_source(
        settings: &JwtSettings,
        asymmetric: &[JwtAlgorithm],
        source: Box<dyn JwksSource>,
        clock: Clock,
    ) -> Result<Self, JwtError> {
        let missing = |setting: &'static str| JwtError::InvalidSetting {
            setting,
            reason: "is required with jwks_url".to_owned(),
        };
        let issuer = settings
            .provider_issuer
            .clone()
            .ok_or_else(|| missing("provider_issuer"))?;
        let audience = settings
            .provider_audience
            .clone()
            .ok_or_else(|| missing("provider_audience"))?;
        let mut role_map = BTreeMap::new();
        for (value, role) in &settings.role_map {
            role_map.insert(value.clone(), staff_role("role_map", role)?);
        }
        let auto_provision = if settings.auto_provision {
            Some(staff_role(
                "auto_provision_role",
                &settings.auto_provision_role,
            )?)
        } else {
            None
        };
        let validations = asymmetric
            .iter()
            .map(|alg| {
                let mut validation = Validation::new(alg.to_jsonwebtoken());
                validation.leeway = settings.leeway_seconds;
                validation.validate_exp = true;
                validation.validate_nbf = true;
                validation.validate_aud = true;
                validation.set_required_spec_claims(&["exp", "iss", "aud"]);
                validation.set_issuer(&[issuer.as_str()]);
                validation.set_audience(&[audience.as_str()]);
                (*alg, validation)
            })
            .collect();
        let policy = CachePolicy {
            default_ttl: Duration::from_secs(settings.jwks_cache_seconds),
            refresh_interval: Duration::from_secs(settings.jwks_refresh_seconds),
            stale_for: Duration::from_secs(settings.jwks_stale_seconds),
        };
        let url = settings.jwks_url.clone().unwrap_or_default();
        Ok(Self {
            keys: RemoteJwks::new(source, &url, asymmetric.to_vec(), policy, clock),
            issuer,
            validations,
            subject_claim: settings.subject_claim.clone(),
            email_claim: Some(settings.email_claim.clone()).filter(|c| !c.trim().is_empty()),
            role_claim: settings.role_claim.clone(),
            role_map,
            auto_provision,
        })
    }

    /// The provider's keys.
    pub fn keys(&self) -> &RemoteJwks {
        &self.keys
    }

    /// The provider's issuer (the actor of members it provisions is `idp:<issuer>`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The role of a user whose role claim holds `values`: `None` without a `role_claim`
    /// (the member's role applies), else the most privileged mapped role, if any maps.
    pub fn mapped_role(&self, values: &[String]) -> Option<Option<Role>> {
        self.role_claim.as_ref()?;
        let mapped = values.iter().filter_map(|value| {
            if self.role_map.is_empty() {
                Role::parse(value)
                    .ok()
                    .filter(|role| *role != Role::Partner)
            } else {
                self.role_map.get(value).copied()
            }
        });
        Some(mapped.min_by_key(|role| privilege_rank(*role)))
    }
}

/// Lower is more privileged.
const fn privilege_rank(role: Role) -> u8 {
    match role {
        Role::Admin => 0,
        Role::AccountManager => 1,
        Role::SupportAgent => 2,
        Role::Viewer => 3,
        Role::Partner => 4,
    }
}
