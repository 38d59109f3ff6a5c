//! The loaded keys: verification keys for the pinned algorithms and the signing key.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::{DecodingKey, EncodingKey, Validation};
use secrecy::ExposeSecret as _;

use crate::auth::idp::Provider;
use crate::auth::jwks::JwksKey;

use super::error::JwtError;
use super::key_files::{load_private_key, load_public_keys};
use super::secret::resolve_hs256_secret;
use super::settings::{JwtAlgorithm, JwtSettings};
use super::verify::validation_for;

#[derive(Clone)]
pub(super) enum PublicKeys {
    /// Only HS256 is pinned.
    None,
    /// One key from `public_key_pem`, parsed for each pinned asymmetric algorithm it fits.
    Pem(Vec<(JwtAlgorithm, DecodingKey)>),
    /// Keys from `jwks_file`, by `kid`.
    Jwks(HashMap<String, JwksKey>),
}

#[derive(Clone)]
pub(super) struct Signer {
    pub(super) alg: JwtAlgorithm,
    pub(super) key: EncodingKey,
    pub(super) kid: Option<String>,
}

/// Verification keys for the pinned algorithms and, when available, a signing key.
#[derive(Clone)]
pub struct JwtKeys {
    pub(super) issuer: String,
    pub(super) audience: String,
    pub(super) pinned: Vec<JwtAlgorithm>,
    pub(super) leeway_seconds: u64,
    pub(super) max_token_bytes: usize,
    pub(super) max_lifetime_seconds: i64,
    pub(super) validations: Vec<(JwtAlgorithm, Validation)>,
    pub(super) hs256: Option<DecodingKey>,
    pub(super) public: PublicKeys,
    pub(super) signer: Option<Signer>,
    pub(super) provider: Option<Arc<Provider>>,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let public = match &self.public {
            PublicKeys::None => "none".to_owned(),
            PublicKeys::Pem(keys) => {
                let algs: Vec<&str> = keys.iter().map(|(alg, _)| alg.as_str()).collect();
                format!("pem({})", algs.join(", "))
            }
            PublicKeys::Jwks(keys) => {
                let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
                kids.sort_unstable();
                format!("jwks(kids: {})", kids.join(", "))
            }
        };
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.pinned)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("max_lifetime_seconds", &self.max_lifetime_seconds)
            .field("hs256", &self.hs256.is_some())
            .field("public_keys", &public)
            .field("signing_algorithm", &self.signer.as_ref().map(|s| s.alg))
            .field(
                "signing_kid",
                &self.signer.as_ref().and_then(|s| s.kid.as_deref()),
            )
            .field("provider", &self.provider)
            .finish()
    }
}

/// Makes the RustCrypto backend the process default. jsonwebtoken 10 picks a
/// backend from its crate features and, if feature unification ever enables
/// both `rust_crypto` and `aws_lc_rs`, panics at the first sign/verify unless
/// one was installed explicitly. Installing twice is harmless.
fn install_crypto_provider() {
    if jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    )
    .is_err()
    {
        tracing::trace!("a jsonwebtoken CryptoProvider was already installed");
    }
}

impl JwtKeys {
    /// Loads every key the settings call for; see the module docs for the rules.
    pub fn from_settings(settings: &JwtSettings, data_dir: &Path) -> Result<Self, JwtError> {
        settings.validate()?;
        install_crypto_provider();

        let mut pinned: Vec<JwtAlgorithm> = Vec::with_capacity(settings.algorithms.len());
        for alg in &settings.algorithms {
            if !pinned.contains(alg) {
                pinned.push(*alg);
            }
        }
        let asymmetric: Vec<JwtAlgorithm> = pinned
            .iter()
            .copied()
            .filter(|alg| alg.is_asymmetric())
            .collect();

        let public = load_public_keys(settings, &asymmetric)?;
        let provider = Provider::from_settings(settings, &asymmetric)?.map(Arc::new);

        let hs256_secret = if pinned.contains(&JwtAlgorithm::HS256) {
            Some(resolve_hs256_secret(settings, data_dir)?)
        } else {
            None
        };
        let hs256 = hs256_secret
            .as_ref()
            .map(|secret| DecodingKey::from_secret(secret.expose_secret()));

        let private_signer = match &settings.private_key_pem {
            Some(path) => Some(load_private_key(path, &asymmetric, &public)?),
            None => None,
        };
        let signer = pinned.iter().find_map(|alg| match alg {
            JwtAlgorithm::HS256 => hs256_secret.as_ref().map(|secret| Signer {
                alg: JwtAlgorithm::HS256,
                key: EncodingKey::from_secret(secret.expose_secret()),
                kid: None,
            }),
            other => private_signer.as_ref().filter(|s| s.alg == *other).cloned(),
        });

        let validations = pinned
            .iter()
            .map(|alg| (*alg, validation_for(*alg, settings)))
            .collect();

        let keys = Self {
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            pinned,
            leeway_seconds: settings.leeway_seconds,
            max_token_bytes: settings.max_token_bytes,
            max_lifetime_seconds: i64::from(settings.max_token_lifetime_days) * 86_400,
            validations,
            hs256,
            public,
            signer,
            provider,
        };
        tracing::info!(keys = ?keys, "JWT keys loaded");
        Ok(keys)
    }

    /// The algorithm [`Self::mint`] uses, if any key can sign.
    pub fn signing_algorithm(&self) -> Option<JwtAlgorithm> {
        self.signer.as_ref().map(|s| s.alg)
    }

    /// The identity provider (`jwks_url`), if configured.
    pub fn provider(&self) -> Option<&Arc<Provider>> {
        self.provider.as_ref()
    }

    /// The same keys with another identity provider (tests drive its source and clock).
    #[must_use]
    pub fn with_provider(mut self, provider: Provider) -> Self {
        self.provider = Some(Arc::new(provider));
        self
    }

    /// Longest accepted token.
    pub fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }

    /// The pinned algorithms, deduplicated, in configuration order.
    pub fn algorithms(&self) -> &[JwtAlgorithm] {
        &self.pinned
    }
}
