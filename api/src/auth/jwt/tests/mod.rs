//! Tests of bearer-JWT authentication, grouped by what they test; the fixture and helpers
//! they share live here.

mod claims;
mod forgery;
mod round_trip;
mod secret_file;
mod settings;
mod shared_secret;

use super::*;

use std::fs;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Duration;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};

use crate::auth::jwks::test_keys::{
    EC_PRIVATE_PEM, ED_PRIVATE_PEM, ED_PUBLIC_PEM, ES256_JWKS, ES256_KID, RSA_PRIVATE_PEM,
    eddsa_jwk, es256_jwk, rs256_jwk,
};

const RSA_PUBLIC_PEM: &str = include_str!("../../testdata/rsa_public.pem");
const EC_PUBLIC_PEM: &str = include_str!("../../testdata/ec_p256_public.pem");
const EC_OTHER_PRIVATE_PEM: &str = include_str!("../../testdata/ec_p256_other_private.pem");

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, contents).expect("write a test file");
        path
    }

    fn keys(&self, settings: &JwtSettings) -> JwtKeys {
        JwtKeys::from_settings(settings, &self.data_dir()).expect("load the JWT keys")
    }

    fn load_error(&self, settings: &JwtSettings) -> JwtError {
        match JwtKeys::from_settings(settings, &self.data_dir()) {
            Ok(keys) => panic!("expected a load error, got {keys:?}"),
            Err(err) => err,
        }
    }

    fn hs256_signing_key(&self) -> EncodingKey {
        let secret = load_or_create_hs256_secret(&self.data_dir()).expect("load the HS256 secret");
        EncodingKey::from_secret(secret.expose_secret())
    }

    fn rs256_settings(&self, algorithms: &[JwtAlgorithm]) -> JwtSettings {
        JwtSettings {
            algorithms: algorithms.to_vec(),
            public_key_pem: Some(self.write("rsa_public.pem", RSA_PUBLIC_PEM)),
            ..JwtSettings::default()
        }
    }

    fn es256_jwks_settings(&self) -> JwtSettings {
        JwtSettings {
            algorithms: vec![JwtAlgorithm::ES256],
            jwks_file: Some(self.write("jwks.json", ES256_JWKS)),
            private_key_pem: Some(self.write("ec_private.pem", EC_PRIVATE_PEM)),
            ..JwtSettings::default()
        }
    }
}

fn hs256_settings() -> JwtSettings {
    JwtSettings::default()
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Bearer {token}").into_bytes()
}

fn now_ts() -> i64 {
    Utc::now().timestamp()
}

fn valid_claims() -> Value {
    let now = now_ts();
    json!({
        "sub": "user-1",
        "role": "VIEWER",
        "iss": "rapport",
        "aud": "rapport-api",
        "exp": now + 300,
        "iat": now,
        "jti": "9b1f4c1e-2d55-4a53-9e4e-51f1bb0d0a01",
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    if let Some(map) = claims.as_object_mut() {
        map.remove(name);
    }
    claims
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("serialize test JSON"))
}

/// Signs arbitrary header and claims JSON, bypassing every check of `mint`.
fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64_json(header), b64_json(claims));
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("sign a test token");
    format!("{message}.{signature}")
}

fn hs256_token(fixture: &Fixture, claims: &Value) -> String {
    sign_raw(
        &json!({"alg": "HS256", "typ": "JWT"}),
        claims,
        &fixture.hs256_signing_key(),
        Algorithm::HS256,
    )
}

fn assert_rejected(keys: &JwtKeys, header_value: &[u8], expected: AuthRejection) {
    match keys.verify_authorization_header(header_value) {
        Ok(verified) => panic!(
            "expected {expected:?} for {:?}, but it verified as {verified:?}",
            String::from_utf8_lossy(header_value)
        ),
        Err(rejection) => assert_eq!(
            rejection,
            expected,
            "wrong rejection for {:?}",
            String::from_utf8_lossy(header_value)
        ),
    }
}

fn mint_viewer(keys: &JwtKeys) -> (String, String, DateTime<Utc>) {
    keys.mint("user-1", "VIEWER", None, Duration::minutes(10), Utc::now())
        .expect("mint a token")
}

fn header_of(token: &str) -> Header {
    jsonwebtoken::decode_header(token).expect("decode the token header")
}

// --- acceptance -------------------------------------------------------
