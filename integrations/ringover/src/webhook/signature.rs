//! Authenticity of Ringover's webhooks: the HS512 JWT in `X-Ringover-Webhook-Signature`.

use std::collections::HashSet;
use std::sync::Once;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

/// The header Ringover puts its signature in.
pub const SIGNATURE_HEADER: &str = "X-Ringover-Webhook-Signature";

/// Registered JWT claims: they say when the token is valid, they are not part of the event.
pub(crate) const REGISTERED_CLAIMS: [&str; 7] = ["exp", "nbf", "iat", "iss", "aud", "sub", "jti"];

/// Clock skew allowed on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 60;

/// Why a webhook was refused. Every variant means "not from Ringover, or not this body": the api
/// answers 401 and stores nothing. The messages name no secret and no body content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No signature header, or an empty one.
    #[error("the webhook has no signature")]
    Missing,
    /// The header is not an HS512 JWT (garbled, or another algorithm, `none` included).
    #[error("the webhook signature is not an HS512 token")]
    Malformed,
    /// The token was not signed with our webhook secret.
    #[error("the webhook signature does not match the secret")]
    BadSignature,
    /// The token's `exp` has passed.
    #[error("the webhook signature has expired")]
    Expired,
    /// The token's `nbf` is still ahead.
    #[error("the webhook signature is not valid yet")]
    NotYetValid,
    /// The token is genuine but signs another body: the body was changed, or the token was
    /// lifted from another webhook.
    #[error("the webhook body is not the one that was signed")]
    BodyMismatch,
    /// We hold no secret to check against: never accept on an empty key.
    #[error("no webhook secret is configured")]
    NoSecret,
}

impl WebhookError {
    /// A stable code for logs and metrics.
    pub const fn code(&self) -> &'static str {
        match self {
            WebhookError::Missing => "SIGNATURE_MISSING",
            WebhookError::Malformed => "SIGNATURE_MALFORMED",
            WebhookError::BadSignature => "SIGNATURE_INVALID",
            WebhookError::Expired => "SIGNATURE_EXPIRED",
            WebhookError::NotYetValid => "SIGNATURE_NOT_YET_VALID",
            WebhookError::BodyMismatch => "BODY_MISMATCH",
            WebhookError::NoSecret => "NO_SECRET",
        }
    }
}

/// Checks that `body` came from Ringover: `signature` (the value of [`SIGNATURE_HEADER`]) must be
/// a JWT signed with HMAC-SHA512 under `secret`, and its claims must be the body.
///
/// - Only `HS512` is accepted (`alg: none` and every other algorithm are refused), keyed with the
///   secret's UTF-8 bytes, as Ringover's webhook SDKs do.
/// - `exp` and `nbf` are enforced when present, with 60 seconds of clock skew; a token without
///   them does not expire (Ringover's do not promise one), which is safe because the api
///   deduplicates events on call id and event.
/// - The claims, without the registered ones (`exp`, `nbf`, `iat`, `iss`, `aud`, `sub`, `jti`),
///   must equal the JSON body, compared as JSON values (key order and whitespace aside): a valid
///   token moved onto another body, or a body changed in transit, is refused.
///
/// Call it on the raw body before parsing it.
pub fn verify_webhook(
    signature: Option<&str>,
    body: &[u8],
    secret: &SecretString,
) -> Result<(), WebhookError> {
    let token = signature.map(str::trim).unwrap_or_default();
    if token.is_empty() {
        return Err(WebhookError::Missing);
    }
    let secret = secret.expose_secret();
    if secret.is_empty() {
        return Err(WebhookError::NoSecret);
    }
    install_crypto_provider();
    let mut validation = Validation::new(Algorithm::HS512);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.leeway = LEEWAY_SECS;
    let key = DecodingKey::from_secret(secret.as_bytes());
    let mut claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|err| match err.kind() {
            ErrorKind::InvalidSignature => WebhookError::BadSignature,
            ErrorKind::ExpiredSignature => WebhookError::Expired,
            ErrorKind::ImmatureSignature => WebhookError::NotYetValid,
            _ => WebhookError::Malformed,
        })?
        .claims;
    for registered in REGISTERED_CLAIMS {
        claims.remove(registered);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(event)) if event == claims => Ok(()),
        _ => Err(WebhookError::BodyMismatch),
    }
}

/// jsonwebtoken 10 needs a process-wide crypto backend; this workspace builds it with RustCrypto
/// only. Installing is idempotent: whoever installs first (the api's JWT module, or this) wins,
/// and both install the same backend.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let installed = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        );
        if installed.is_err() {
            tracing::trace!("a jsonwebtoken CryptoProvider was already installed");
        }
    });
}

#[cfg(any(test, feature = "testing"))]
pub(crate) fn sign(
    claims: &Map<String, Value>,
    secret: &str,
) -> Result<String, jsonwebtoken::errors::Error> {
    install_crypto_provider();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS512),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
}
