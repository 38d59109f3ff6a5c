//! Verifying a provider token and reading who it names.
//!
//! Refused before any key is looked up: a token over `max_token_bytes`, a malformed one, an
//! `alg` that is not a pinned asymmetric algorithm (so `none` and every HS* algorithm, which
//! would turn a published key into an HMAC secret), a `crit` header, an empty signature, and
//! a token without `kid`. Then the signature (with the key of that `kid`, whose own `alg` must
//! match), `exp`/`nbf`/`iat` and the lifetime bound, `iss` = `provider_issuer` and `aud`
//! containing `provider_audience`.

use jsonwebtoken::Validation;
use rapport_domain::team::Subject;
use serde_json::{Map, Value};

use super::Provider;
use crate::auth::jwt::{
    AuthRejection, JwtAlgorithm, JwtKeys, optional_int, parse_header, rejection_from, split_compact,
};

/// Who a verified provider token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderIdentity {
    /// The value of `subject_claim`.
    pub subject: String,
    /// The value of `email_claim`, if set and present.
    pub email: Option<String>,
    /// Whether the provider says the email was verified (`email_verified`), if it says.
    pub email_verified: Option<bool>,
    /// The `name` claim, if present.
    pub name: Option<String>,
    /// The values of `role_claim` (empty when unset or absent).
    pub roles: Vec<String>,
}

/// The header `alg` of a compact token, if it is a well-formed one.
pub(in crate::auth) fn header_algorithm(token: &str) -> Option<String> {
    let segments = split_compact(token).ok()?;
    parse_header(segments.header).ok().map(|header| header.alg)
}

impl Provider {
    /// Verifies a bare compact token issued by the provider.
    pub async fn verify(
        &self,
        keys: &JwtKeys,
        token: &str,
    ) -> Result<ProviderIdentity, AuthRejection> {
        if token.len() > keys.max_token_bytes() {
            return Err(AuthRejection::TooLarge);
        }
        let segments = split_compact(token)?;
        let header = parse_header(segments.header)?;
        let alg = JwtAlgorithm::from_jose_name(&header.alg)
            .filter(|alg| alg.is_asymmetric() && keys.algorithms().contains(alg))
            .ok_or(AuthRejection::AlgorithmNotAllowed)?;
        if header.crit.is_some() {
            return Err(AuthRejection::UnsupportedCriticalHeader);
        }
        if segments.signature.is_empty() {
            return Err(AuthRejection::MissingSignature);
        }
        let kid = header.kid.as_deref().ok_or(AuthRejection::MissingKeyId)?;
        let validation = self.validation(alg)?;
        let key = self.keys.key(kid, alg).await?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, validation)
            .map_err(|err| rejection_from(&err))?;
        if data.header.alg != alg.to_jsonwebtoken() {
            return Err(AuthRejection::AlgorithmNotAllowed);
        }
        self.identity(keys, &data.claims)
    }

    fn validation(&self, alg: JwtAlgorithm) -> Result<&Validation, AuthRejection> {
        self.validations
            .iter()
            .find(|(pinned, _)| *pinned == alg)
            .map(|(_, validation)| validation)
            .ok_or(AuthRejection::AlgorithmNotAllowed)
    }

    fn identity(
        &self,
        keys: &JwtKeys,
        claims: &Map<String, Value>,
    ) -> Result<ProviderIdentity, AuthRejection> {
        let exp = optional_int(claims, "exp")?.ok_or(AuthRejection::MissingClaim("exp"))?;
        optional_int(claims, "nbf")?;
        let iat = optional_int(claims, "iat")?;
        keys.check_lifetime(iat, exp, chrono::Utc::now().timestamp())?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(AuthRejection::WrongIssuer);
        }
        let subject = match claim(claims, &self.subject_claim) {
            None | Some(Value::Null) => return Err(AuthRejection::MissingClaim("sub")),
            Some(Value::String(subject)) if Subject::parse(subject).is_ok() => subject.clone(),
            Some(_) => return Err(AuthRejection::InvalidClaim("sub")),
        };
        let email = match self
            .email_claim
            .as_deref()
            .and_then(|name| claim(claims, name))
        {
            None | Some(Value::Null) => None,
            Some(Value::String(email)) => Some(email.clone()),
            Some(_) => return Err(AuthRejection::InvalidClaim("email")),
        };
        let email_verified = match claims.get("email_verified") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(verified)) => Some(*verified),
            // Some providers send "true"/"false" as strings.
            Some(Value::String(text)) => Some(text.eq_ignore_ascii_case("true")),
            Some(_) => return Err(AuthRejection::InvalidClaim("email_verified")),
        };
        let name = claims
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let roles = match self
            .role_claim
            .as_deref()
            .and_then(|path| claim(claims, path))
        {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(role)) => vec![role.clone()],
            Some(Value::Array(values)) => values
                .iter()
                .map(|value| value.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(AuthRejection::InvalidClaim("role"))?,
            Some(_) => return Err(AuthRejection::InvalidClaim("role")),
        };
        Ok(ProviderIdentity {
            subject,
            email,
            email_verified,
            name,
            roles,
        })
    }
}

/// The claim at a dotted path (`realm_access.roles`); a claim whose own name contains dots
/// is found first.
fn claim<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(path) {
        return Some(value);
    }
    let mut parts = path.split('.');
    let mut value = claims.get(parts.next()?)?;
    for part in parts {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
}
