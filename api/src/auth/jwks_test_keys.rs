//! JWK builders shared by the tests of `jwks` and of `jwt`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

pub(crate) const RSA_PRIVATE_PEM: &str = include_str!("testdata/rsa_private.pem");
pub(crate) const EC_PRIVATE_PEM: &str = include_str!("testdata/ec_p256_private.pem");
pub(crate) const ED_PRIVATE_PEM: &str = include_str!("testdata/ed25519_private.pem");
pub(crate) const ED_PUBLIC_PEM: &str = include_str!("testdata/ed25519_public.pem");
pub(crate) const ES256_JWKS: &str = include_str!("testdata/es256_jwks.json");
pub(crate) const ES256_KID: &str = "es256-test-1";

/// The committed ES256 JWK (kid `es256-test-1`).
pub(crate) fn es256_jwk() -> Value {
    let set: Value = serde_json::from_str(ES256_JWKS).expect("parse the test JWKS");
    set["keys"][0].clone()
}

/// The public half of `rsa_private.pem` as an RS256 JWK.
pub(crate) fn rs256_jwk(kid: &str) -> Value {
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("parse the RSA key");
    let jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("derive the RSA JWK");
    let mut value = serde_json::to_value(jwk).expect("serialize the RSA JWK");
    value["kid"] = json!(kid);
    value["use"] = json!("sig");
    value
}

/// `ed25519_public.pem` as an EdDSA JWK (jsonwebtoken cannot derive Ed25519 JWKs).
pub(crate) fn eddsa_jwk(kid: &str) -> Value {
    let body: String = ED_PUBLIC_PEM
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body).expect("decode the Ed25519 PEM");
    let x = URL_SAFE_NO_PAD.encode(&der[der.len() - 32..]);
    json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": x})
}
