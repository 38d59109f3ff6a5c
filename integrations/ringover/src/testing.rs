//! Helpers for other crates' tests (feature `testing`): signing webhooks as Ringover would.

use serde_json::{Map, Value};

/// The [`SIGNATURE_HEADER`](crate::SIGNATURE_HEADER) value Ringover would send with `body`
/// under `secret`: an HS512 JWT whose claims are the body, valid for ten minutes.
///
/// # Panics
/// When `body` is not a JSON object (a test bug).
pub fn sign_webhook(body: &[u8], secret: &str) -> String {
    let exp = chrono::Utc::now().timestamp() + 600;
    sign_webhook_with(body, secret, &[("exp", Value::from(exp))])
}

/// [`sign_webhook`] with the given registered claims (`exp`, `nbf`, `iat`, …) instead of the
/// default expiry; none at all gives a token that never expires.
///
/// # Panics
/// When `body` is not a JSON object, when a claim is not a registered one (it would then not be
/// part of the signed body), or when signing fails.
pub fn sign_webhook_with(body: &[u8], secret: &str, registered: &[(&str, Value)]) -> String {
    let mut claims: Map<String, Value> =
        serde_json::from_slice(body).expect("a webhook body is a JSON object");
    for (name, value) in registered {
        assert!(
            crate::webhook::REGISTERED_CLAIMS.contains(name),
            "`{name}` is not a registered JWT claim"
        );
        claims.insert((*name).to_owned(), value.clone());
    }
    crate::webhook::sign(&claims, secret).expect("HS512 signing works")
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::{WebhookError, verify_webhook};

    #[test]
    fn a_body_signed_by_the_helper_passes_the_check_and_only_under_its_secret() {
        let body = br#"{"resource":"call","event":"ringing","data":{"call_id":1}}"#;
        let header = sign_webhook(body, "s3cret");

        assert_eq!(
            verify_webhook(Some(&header), body, &SecretString::from("s3cret")),
            Ok(())
        );
        assert_eq!(
            verify_webhook(Some(&header), body, &SecretString::from("other")),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn the_helper_can_mint_an_expired_token() {
        let body = br#"{"resource":"call","event":"ringing"}"#;
        let header = sign_webhook_with(body, "s3cret", &[("exp", Value::from(1_000))]);

        assert_eq!(
            verify_webhook(Some(&header), body, &SecretString::from("s3cret")),
            Err(WebhookError::Expired)
        );
    }
}
