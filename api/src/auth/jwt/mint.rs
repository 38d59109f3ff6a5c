//! Minting tokens.

use chrono::{DateTime, Utc};
use jsonwebtoken::Header;

use super::claims::{Claims, check_role};
use super::error::JwtError;
use super::keys::JwtKeys;

impl JwtKeys {
    /// Mints a token with the first pinned algorithm that has a signing key.
    /// Returns the compact token, its `jti` (fresh uuid v4) and its expiry.
    pub fn mint(
        &self,
        subject: &str,
        role: &str,
        partner_id: Option<&str>,
        ttl: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<(String, String, DateTime<Utc>), JwtError> {
        let signer = self.signer.as_ref().ok_or_else(|| {
            JwtError::Mint(
                "no signing key: pin HS256 or set private_key_pem for a pinned asymmetric \
                 algorithm"
                    .to_owned(),
            )
        })?;
        if subject.is_empty() {
            return Err(JwtError::Mint("the subject is empty".to_owned()));
        }
        check_role(subject, role, partner_id)
            .map_err(|rejection| JwtError::Mint(rejection.to_string()))?;
        let ttl_seconds = ttl.num_seconds();
        if ttl_seconds < 1 {
            return Err(JwtError::Mint(format!(
                "the ttl must be at least one second, got {ttl}"
            )));
        }
        if ttl_seconds > self.max_lifetime_seconds {
            return Err(JwtError::Mint(format!(
                "the ttl {ttl} is above max_token_lifetime_days = {} days",
                self.max_lifetime_seconds / 86_400
            )));
        }
        let iat = now.timestamp();
        let expires_at = iat
            .checked_add(ttl_seconds)
            .and_then(|exp| DateTime::from_timestamp(exp, 0))
            .ok_or_else(|| JwtError::Mint(format!("the ttl {ttl} is out of range")))?;
        let jti = uuid::Uuid::new_v4().to_string();
        let claims = Claims {
            sub: subject.to_owned(),
            role: role.to_owned(),
            partner_id: partner_id.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: expires_at.timestamp(),
            nbf: None,
            iat,
            jti: jti.clone(),
        };
        let mut header = Header::new(signer.alg.to_jsonwebtoken());
        header.kid.clone_from(&signer.kid);
        let token = jsonwebtoken::encode(&header, &claims, &signer.key)
            .map_err(|err| JwtError::Mint(format!("{} signing failed: {err}", signer.alg)))?;
        let header_len = "Bearer ".len() + token.len();
        if header_len > self.max_token_bytes {
            return Err(JwtError::Mint(format!(
                "the token would need a {header_len}-byte Authorization value, above \
                 max_token_bytes = {}",
                self.max_token_bytes
            )));
        }
        Ok((token, jti, expires_at))
    }
}
