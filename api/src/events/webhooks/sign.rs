//! Standard Webhooks signing (<https://www.standardwebhooks.com/>): `whsec_` secrets and the
//! `webhook-signature` header, `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`,
//! several signatures separated by spaces while a rotation's overlap lasts.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::TryRng as _;
use sha2::Sha256;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new secret (the specification allows 24 to 64).
const NEW_SECRET_BYTES: usize = 32;
/// The bounds of a secret's key, in bytes.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// A signing key, decoded from its `whsec_` form; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    /// Decodes `whsec_<base64>`; the key must hold 24 to 64 bytes.
    ///
    /// # Errors
    /// A message that never repeats the secret.
    pub fn parse(secret: &str) -> Result<Self, String> {
        let encoded = secret
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| format!("a webhook secret starts with {SECRET_PREFIX}"))?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| "a webhook secret is whsec_ and base64".to_owned())?;
        if !KEY_BYTES.contains(&key.len()) {
            return Err(format!(
                "a webhook secret's key holds {} to {} bytes",
                KEY_BYTES.start(),
                KEY_BYTES.end()
            ));
        }
        Ok(Self(key))
    }

    /// The `v1,<base64>` signature of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// A new secret: `whsec_` and the base64 of 32 bytes from the operating system's generator.
///
/// # Errors
/// When the system has no randomness to give.
pub fn new_secret() -> Result<String, String> {
    let mut raw = [0_u8; NEW_SECRET_BYTES];
    rand::rngs::SysRng
        .try_fill_bytes(&mut raw)
        .map_err(|e| format!("no randomness for a webhook secret: {e}"))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(raw)))
}

/// The `webhook-signature` header: one signature per secret, separated by spaces.
///
/// # Errors
/// When a stored secret does not decode (it never should: secrets are generated here).
pub fn signature_header(
    secrets: &[&str],
    id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, String> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        signatures.push(SigningKey::parse(secret)?.sign(id, timestamp, body));
    }
    if signatures.is_empty() {
        return Err("no secret to sign with".to_owned());
    }
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks specification's own example, recomputed independently:
    // python3 -c 'import hmac,hashlib,base64;
    //   k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    //   m=b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}";
    //   print(base64.b64encode(hmac.new(k,m,hashlib.sha256).digest()).decode())'
    // -> g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1_614_265_330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;

    // A 32-byte key 00 01 … 1f, same message (python as above with k=bytes(range(32))):
    // -> O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI=
    const SEQ_SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn signs_the_specification_example_as_python_hmac_does() {
        let key = SigningKey::parse(SPEC_SECRET).expect("valid secret");
        assert_eq!(
            key.sign(SPEC_ID, SPEC_TS, SPEC_BODY),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn rotation_signs_with_every_secret_in_order() {
        let header = signature_header(&[SEQ_SECRET, SPEC_SECRET], SPEC_ID, SPEC_TS, SPEC_BODY)
            .expect("signs");
        assert_eq!(
            header,
            "v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_change_of_id_timestamp_or_body_changes_the_signature() {
        let key = SigningKey::parse(SEQ_SECRET).expect("valid secret");
        let base = key.sign(SPEC_ID, SPEC_TS, SPEC_BODY);
        assert_ne!(base, key.sign("msg_other", SPEC_TS, SPEC_BODY));
        assert_ne!(base, key.sign(SPEC_ID, SPEC_TS + 1, SPEC_BODY));
        assert_ne!(base, key.sign(SPEC_ID, SPEC_TS, r#"{"test": 2432232315}"#));
    }

    #[test]
    fn new_secrets_are_prefixed_random_and_parse() {
        let a = new_secret().expect("randomness");
        let b = new_secret().expect("randomness");
        assert!(a.starts_with(SECRET_PREFIX));
        assert_ne!(a, b);
        assert!(SigningKey::parse(&a).is_ok());
    }

    #[test]
    fn malformed_secrets_are_refused_without_echoing_them() {
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_not base64!",
            "whsec_AAAA",
            &format!("whsec_{}", STANDARD.encode([7_u8; 65])),
        ] {
            let err = SigningKey::parse(bad).expect_err("refused");
            assert!(!err.contains(bad.trim_start_matches("whsec_")), "{err}");
        }
        assert!(signature_header(&[], SPEC_ID, SPEC_TS, SPEC_BODY).is_err());
        assert_eq!(
            format!("{:?}", SigningKey::parse(SPEC_SECRET).expect("valid")),
            "SigningKey(<redacted>)"
        );
    }

    /// Prints a signed message with two fresh secrets (a rotation overlap), now, for the npm
    /// verifier (`tests/conformance/webhooks/check.mjs vectors`, fed by run-webhooks.sh). Here
    /// it checks that the header holds one signature per secret.
    #[test]
    fn vectors_for_the_conformance_check() {
        let old = new_secret().expect("randomness");
        let new = new_secret().expect("randomness");
        let ts = chrono::Utc::now().timestamp();
        let body = r#"{"id":"evt_vector","type":"account.created","data":{"name":"Zoë & Co"}}"#;
        let header = signature_header(&[&new, &old], "evt_vector", ts, body).expect("signs");
        assert_eq!(header.split(' ').count(), 2);
        let line = serde_json::json!({
            "secrets": [new, old],
            "id": "evt_vector",
            "timestamp": ts.to_string(),
            "body": body,
            "signature": header,
        });
        println!("VECTOR {line}");
    }
}
