//! Tests of the identity-provider sign-in: fixtures shared by the test files of this module.

mod settings;
mod token;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::*;
use crate::auth::jwks::test_keys::{EC_PRIVATE_PEM, RSA_PRIVATE_PEM, es256_jwk, rs256_jwk};
use crate::auth::jwt::JwtKeys;

pub(super) const EC_OTHER_PRIVATE_PEM: &str = include_str!("../testdata/ec_p256_other_private.pem");
pub(super) const ISSUER: &str = "https://idp.example.test/realms/staff";
pub(super) const AUDIENCE: &str = "rapport";
pub(super) const KID_A: &str = "es256-test-1";
pub(super) const KID_B: &str = "es256-other";

/// A JWKS document holding these keys.
pub(super) fn jwks(keys: &[Value]) -> Vec<u8> {
    json!({ "keys": keys }).to_string().into_bytes()
}

/// The public half of `ec_p256_other_private.pem` as an ES256 JWK.
pub(super) fn es256_other_jwk(kid: &str) -> Value {
    let key = EncodingKey::from_ec_pem(EC_OTHER_PRIVATE_PEM.as_bytes()).expect("parse the EC key");
    let jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).expect("derive the EC JWK");
    let mut value = serde_json::to_value(jwk).expect("serialize the EC JWK");
    value["kid"] = json!(kid);
    value
}

pub(super) fn key_a() -> Value {
    es256_jwk()
}

pub(super) fn key_b() -> Value {
    es256_other_jwk(KID_B)
}

pub(super) fn rsa_key(kid: &str) -> Value {
    rs256_jwk(kid)
}

/// What the fake provider answers; every fetch gets the current answer.
#[derive(Clone)]
pub(super) struct Script(Arc<Mutex<VecDeque<Result<Fetched, FetchError>>>>);

pub(super) struct ScriptedSource {
    script: Script,
    fetches: Arc<AtomicU64>,
}

impl Script {
    pub(super) fn new() -> Self {
        Self(Arc::new(Mutex::new(VecDeque::new())))
    }

    /// From now on every fetch answers `answer` (until changed).
    pub(super) fn set(&self, answer: Result<Fetched, FetchError>) {
        let mut answers = self.0.lock().expect("script lock");
        answers.clear();
        answers.push_back(answer);
    }

    pub(super) fn serve(&self, keys: &[Value]) {
        self.set(Ok(Fetched {
            body: jwks(keys),
            max_age: None,
        }));
    }

    pub(super) fn fail(&self) {
        self.set(Err(FetchError::Status(503)));
    }

    pub(super) fn source(&self) -> (ScriptedSource, Arc<AtomicU64>) {
        let fetches = Arc::new(AtomicU64::new(0));
        (
            ScriptedSource {
                script: self.clone(),
                fetches: fetches.clone(),
            },
            fetches,
        )
    }
}

#[async_trait]
impl JwksSource for ScriptedSource {
    async fn fetch(&self) -> Result<Fetched, FetchError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        // Yield, so concurrent callers really overlap the fetch.
        tokio::task::yield_now().await;
        let answers = self.script.0.lock().expect("script lock");
        answers
            .front()
            .cloned()
            .unwrap_or(Err(FetchError::Transport("nothing scripted".into())))
    }
}

/// A clock the test moves.
#[derive(Clone)]
pub(super) struct TestClock {
    start: Instant,
    offset: Arc<Mutex<Duration>>,
}

impl TestClock {
    pub(super) fn new() -> Self {
        Self {
            start: Instant::now(),
            offset: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    pub(super) fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
    }

    pub(super) fn clock(&self) -> Clock {
        let this = self.clone();
        Arc::new(move || this.start + *this.offset.lock().expect("clock lock"))
    }
}

/// Provider settings for the tests (ES256 and RS256 pinned, HS256 for Rapport's own tokens).
pub(super) fn provider_settings() -> JwtSettings {
    JwtSettings {
        algorithms: vec![
            JwtAlgorithm::HS256,
            JwtAlgorithm::ES256,
            JwtAlgorithm::RS256,
        ],
        jwks_url: Some("https://idp.example.test/certs".to_owned()),
        provider_issuer: Some(ISSUER.to_owned()),
        provider_audience: Some(AUDIENCE.to_owned()),
        ..JwtSettings::default()
    }
}

/// Keys with a provider whose source follows `script` and whose clock is `clock`.
pub(super) fn keys_with(
    settings: &JwtSettings,
    script: &Script,
    clock: &TestClock,
) -> (JwtKeys, Arc<AtomicU64>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let keys = JwtKeys::from_settings(settings, dir.path()).expect("load the JWT keys");
    let (source, fetches) = script.source();
    let asymmetric: Vec<JwtAlgorithm> = settings
        .algorithms
        .iter()
        .copied()
        .filter(|alg| alg.is_asymmetric())
        .collect();
    let provider = Provider::with_source(settings, &asymmetric, Box::new(source), clock.clock())
        .expect("build the provider");
    (keys.with_provider(provider), fetches, dir)
}

pub(super) fn now_ts() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims a provider would put in an access token.
pub(super) fn provider_claims(sub: &str) -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "email": format!("{sub}@example.test"),
        "email_verified": true,
        "iat": now_ts(),
        "exp": now_ts() + 300,
    })
}

/// `claims` signed with the private key of `kid` (A: the committed ES256 key, B: the other
/// ES256 key, anything else: the RSA key as RS256).
pub(super) fn sign(kid: Option<&str>, claims: &Value) -> String {
    let (alg, key) = match kid {
        Some(KID_A) | None => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).expect("EC key"),
        ),
        Some(KID_B) => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(EC_OTHER_PRIVATE_PEM.as_bytes()).expect("EC key"),
        ),
        Some(_) => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("RSA key"),
        ),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).expect("sign the token")
}
