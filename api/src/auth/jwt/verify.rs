//! Verifying a bearer token: header shape, algorithm, key, signature and claims.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::claims::{VerifiedToken, check_role};
use super::error::AuthRejection;
use super::keys::{JwtKeys, PublicKeys};
use super::settings::{JwtAlgorithm, JwtSettings};

impl JwtKeys {
    /// Verifies a raw `Authorization` value: exactly `Bearer <token>` (scheme
    /// case-insensitive, one space), at most `max_token_bytes`, then the token.
    pub fn verify_authorization_header(
        &self,
        header_value: &[u8],
    ) -> Result<VerifiedToken, AuthRejection> {
        self.verify_token(self.bearer_token(header_value)?)
    }

    /// The token of a raw `Authorization` value: exactly `Bearer <token>` (scheme
    /// case-insensitive, one space), at most `max_token_bytes`.
    pub fn bearer_token<'a>(&self, header_value: &'a [u8]) -> Result<&'a str, AuthRejection> {
        if header_value.len() > self.max_token_bytes {
            return Err(AuthRejection::TooLarge);
        }
        if header_value.is_empty() {
            return Err(AuthRejection::MissingCredentials);
        }
        let value = std::str::from_utf8(header_value).map_err(|_| AuthRejection::NotUtf8)?;
        let (scheme, token) = value
            .split_once(' ')
            .ok_or(AuthRejection::MalformedAuthorization)?;
        if !scheme.eq_ignore_ascii_case("Bearer") {
            return Err(AuthRejection::NotBearer);
        }
        Ok(token)
    }

    /// Verifies a bare compact token (no scheme), e.g. from a websocket init payload.
    pub fn verify_token(&self, token: &str) -> Result<VerifiedToken, AuthRejection> {
        if token.len() > self.max_token_bytes {
            return Err(AuthRejection::TooLarge);
        }
        let segments = split_compact(token)?;
        let header = parse_header(segments.header)?;
        let alg = JwtAlgorithm::from_jose_name(&header.alg)
            .filter(|alg| self.pinned.contains(alg))
            .ok_or(AuthRejection::AlgorithmNotAllowed)?;
        if header.crit.is_some() {
            return Err(AuthRejection::UnsupportedCriticalHeader);
        }
        if segments.signature.is_empty() {
            return Err(AuthRejection::MissingSignature);
        }
        let key = self.decoding_key(alg, header.kid.as_deref())?;
        let validation = self
            .validations
            .iter()
            .find(|(pinned, _)| *pinned == alg)
            .map(|(_, validation)| validation)
            .ok_or(AuthRejection::AlgorithmNotAllowed)?;

        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)
            .map_err(|err| rejection_from(&err))?;
        if data.header.alg != alg.to_jsonwebtoken() {
            return Err(AuthRejection::AlgorithmNotAllowed);
        }
        self.checked_claims(&data.claims)
    }

    fn decoding_key(
        &self,
        alg: JwtAlgorithm,
        kid: Option<&str>,
    ) -> Result<&DecodingKey, AuthRejection> {
        if alg == JwtAlgorithm::HS256 {
            return self.hs256.as_ref().ok_or(AuthRejection::NoKeyForAlgorithm);
        }
        match &self.public {
            PublicKeys::None => Err(AuthRejection::NoKeyForAlgorithm),
            PublicKeys::Pem(keys) => keys
                .iter()
                .find(|(key_alg, _)| *key_alg == alg)
                .map(|(_, key)| key)
                .ok_or(AuthRejection::NoKeyForAlgorithm),
            PublicKeys::Jwks(keys) => {
                let kid = kid.ok_or(AuthRejection::MissingKeyId)?;
                let entry = keys.get(kid).ok_or(AuthRejection::UnknownKeyId)?;
                if entry.alg != alg {
                    return Err(AuthRejection::KeyAlgorithmMismatch);
                }
                Ok(&entry.key)
            }
        }
    }

    /// Typed checks on claims the library has already validated (signature,
    /// exp, nbf, iss, aud, presence of sub). Stricter than the library: `iss`
    /// and `aud` must be strings (not arrays) and times must be integers.
    fn checked_claims(&self, claims: &Map<String, Value>) -> Result<VerifiedToken, AuthRejection> {
        let subject = required_str(claims, "sub")?;
        let token_id = required_str(claims, "jti")?;
        let role = required_str(claims, "role")?;
        let partner_id = optional_str(claims, "partner_id")?;
        check_role(subject, role, partner_id)?;
        if required_str(claims, "iss")? != self.issuer {
            return Err(AuthRejection::WrongIssuer);
        }
        if required_str(claims, "aud")? != self.audience {
            return Err(AuthRejection::WrongAudience);
        }
        let exp = optional_int(claims, "exp")?.ok_or(AuthRejection::MissingClaim("exp"))?;
        optional_int(claims, "nbf")?;
        let iat = optional_int(claims, "iat")?;
        self.check_lifetime(iat, exp, Utc::now().timestamp())?;
        let expires_at =
            DateTime::from_timestamp(exp, 0).ok_or(AuthRejection::InvalidClaim("exp"))?;
        Ok(VerifiedToken {
            subject: subject.to_owned(),
            role: role.to_owned(),
            partner_id: partner_id.map(str::to_owned),
            token_id: token_id.to_owned(),
            expires_at,
        })
    }
}

impl JwtKeys {
    /// `iat` no later than now plus the leeway, and a lifetime within the configured
    /// maximum: a leaked token must not stay good for decades, nor a clock-skewed issuer
    /// extend one.
    pub(in crate::auth) fn check_lifetime(
        &self,
        iat: Option<i64>,
        exp: i64,
        now: i64,
    ) -> Result<(), AuthRejection> {
        let leeway = i64::try_from(self.leeway_seconds).unwrap_or(i64::MAX);
        if let Some(iat) = iat
            && iat > now.saturating_add(leeway)
        {
            return Err(AuthRejection::IssuedInTheFuture);
        }
        let start = iat.unwrap_or(now);
        if exp.saturating_sub(start) > self.max_lifetime_seconds.saturating_add(leeway) {
            return Err(AuthRejection::LifetimeTooLong);
        }
        Ok(())
    }
}

pub(super) fn validation_for(alg: JwtAlgorithm, settings: &JwtSettings) -> Validation {
    let mut validation = Validation::new(alg.to_jsonwebtoken());
    validation.leeway = settings.leeway_seconds;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[settings.issuer.as_str()]);
    validation.set_audience(&[settings.audience.as_str()]);
    validation
}

// ---------------------------------------------------------------------------
// Token parsing helpers
// ---------------------------------------------------------------------------

pub(in crate::auth) struct Segments<'a> {
    pub(in crate::auth) header: &'a str,
    pub(in crate::auth) signature: &'a str,
}

pub(in crate::auth) fn split_compact(token: &str) -> Result<Segments<'_>, AuthRejection> {
    let base64url_or_dot = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    if token.is_empty() || !token.bytes().all(base64url_or_dot) {
        return Err(AuthRejection::MalformedToken);
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(signature), None)
            if !header.is_empty() && !payload.is_empty() =>
        {
            Ok(Segments { header, signature })
        }
        _ => Err(AuthRejection::MalformedToken),
    }
}

/// The header fields looked at before the library parses the header again.
#[derive(Deserialize)]
pub(in crate::auth) struct RawHeader {
    pub(in crate::auth) alg: String,
    #[serde(default)]
    pub(in crate::auth) kid: Option<String>,
    #[serde(default)]
    pub(in crate::auth) crit: Option<Value>,
}

pub(in crate::auth) fn parse_header(segment: &str) -> Result<RawHeader, AuthRejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| AuthRejection::MalformedToken)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthRejection::MalformedToken)
}

fn required_str<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, AuthRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(AuthRejection::MissingClaim(name)),
        Some(Value::String(value)) if !value.is_empty() => Ok(value),
        Some(_) => Err(AuthRejection::InvalidClaim(name)),
    }
}

fn optional_str<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
) -> Result<Option<&'a str>, AuthRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(AuthRejection::InvalidClaim(name)),
    }
}

pub(in crate::auth) fn optional_int(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<i64>, AuthRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .map(Some)
            .ok_or(AuthRejection::InvalidClaim(name)),
    }
}

fn static_claim_name(name: &str) -> &'static str {
    match name {
        "exp" => "exp",
        "nbf" => "nbf",
        "sub" => "sub",
        "iss" => "iss",
        "aud" => "aud",
        _ => "other",
    }
}

pub(in crate::auth) fn rejection_from(err: &jsonwebtoken::errors::Error) -> AuthRejection {
    match err.kind() {
        ErrorKind::InvalidSignature => AuthRejection::InvalidSignature,
        ErrorKind::ExpiredSignature => AuthRejection::Expired,
        ErrorKind::ImmatureSignature => AuthRejection::NotYetValid,
        ErrorKind::InvalidIssuer => AuthRejection::WrongIssuer,
        ErrorKind::InvalidAudience => AuthRejection::WrongAudience,
        ErrorKind::MissingRequiredClaim(name) => {
            AuthRejection::MissingClaim(static_claim_name(name))
        }
        ErrorKind::InvalidClaimFormat(name) => AuthRejection::InvalidClaim(static_claim_name(name)),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName => AuthRejection::AlgorithmNotAllowed,
        ErrorKind::InvalidKeyFormat
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_) => AuthRejection::KeyUnusable,
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => AuthRejection::MalformedToken,
        _ => AuthRejection::VerificationFailed,
    }
}
