//! An identity provider's JWKS endpoint (Keycloak, Auth0, Entra publish one) with test key
//! pairs to sign its tokens: serves the keys the test sets, optionally with
//! `Cache-Control: max-age`; faults (provider down) come from the shared [`FaultScript`].
//!
//! The key pairs are the committed test keys of `api/src/auth/testdata/` (see its README for
//! how they were generated): [`TestKey::A`] is `ec_p256_private.pem`, [`TestKey::B`] is
//! `ec_p256_other_private.pem`, both ES256.
//!
//! [`FaultScript`]: super::FaultScript

use std::sync::Mutex;

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::server::{MockApi, MockOptions, MockServer, Request, Response};

/// Route names for faults and statistics.
pub mod routes {
    /// `GET /certs`: the JWK set.
    pub const CERTS: &str = "certs";
    /// Anything else (answered 404).
    pub const OTHER: &str = "other";
}

const KEY_A_PEM: &str = include_str!("../../../api/src/auth/testdata/ec_p256_private.pem");
const KEY_B_PEM: &str = include_str!("../../../api/src/auth/testdata/ec_p256_other_private.pem");

/// A test key pair the provider signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    /// `ec_p256_private.pem`.
    A,
    /// `ec_p256_other_private.pem`.
    B,
}

impl TestKey {
    fn encoding_key(self) -> EncodingKey {
        // Signing needs jsonwebtoken's crypto backend, which the server installs on start;
        // a test may sign first.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        );
        let pem = match self {
            TestKey::A => KEY_A_PEM,
            TestKey::B => KEY_B_PEM,
        };
        EncodingKey::from_ec_pem(pem.as_bytes()).expect("a committed EC test key")
    }

    /// The public half as an ES256 JWK named `kid`.
    pub fn jwk(self, kid: &str) -> Value {
        let jwk = Jwk::from_encoding_key(&self.encoding_key(), Algorithm::ES256)
            .expect("an EC public JWK");
        let mut value = serde_json::to_value(jwk).expect("a JWK as JSON");
        value["kid"] = json!(kid);
        value["use"] = json!("sig");
        value
    }

    /// `claims` signed ES256 with this key, the header naming `kid`.
    pub fn sign(self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).expect("a signed token")
    }
}

/// The provider's state: the keys it publishes.
#[derive(Debug)]
pub struct JwksApi {
    keys: Mutex<Vec<Value>>,
    max_age: Mutex<Option<u64>>,
}

impl MockApi for JwksApi {
    fn route(&self, request: &Request) -> &'static str {
        if request.method == "GET" && request.path == "/certs" {
            routes::CERTS
        } else {
            routes::OTHER
        }
    }

    fn handle(&self, request: &Request) -> Response {
        if self.route(request) != routes::CERTS {
            return Response::empty(404);
        }
        let keys = self.keys.lock().expect("keys lock").clone();
        let response = Response::typed(200, "application/jwk-set+json", &json!({ "keys": keys }));
        match *self.max_age.lock().expect("max-age lock") {
            Some(seconds) => {
                response.with_header("cache-control", &format!("public, max-age={seconds}"))
            }
            None => response,
        }
    }
}

/// A local identity provider's JWKS endpoint.
pub type JwksMock = MockServer<JwksApi>;

impl MockServer<JwksApi> {
    /// A provider publishing `keys`.
    pub async fn start(keys: Vec<Value>) -> Self {
        let api = JwksApi {
            keys: Mutex::new(keys),
            max_age: Mutex::new(None),
        };
        Self::serve(api, MockOptions::default()).await
    }

    /// The `jwks_url` to configure.
    pub fn url(&self) -> String {
        format!("{}/certs", self.root())
    }

    /// From now on the provider publishes `keys` (a rotation).
    pub fn publish(&self, keys: Vec<Value>) {
        *self.api().keys.lock().expect("keys lock") = keys;
    }

    /// From now on answers carry `Cache-Control: max-age=<seconds>`.
    pub fn set_max_age(&self, seconds: Option<u64>) {
        *self.api().max_age.lock().expect("max-age lock") = seconds;
    }
}
