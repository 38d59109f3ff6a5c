//! Loading a JWKS file (or a provider's JWKS document) into verification keys for [`super::jwt::JwtKeys`].
//!
//! Rules: keys are selected by `kid`; a key is used only when it has a `kid`,
//! an `alg` that is pinned, `use` = "sig" (or no `use`) and `key_ops`
//! containing "verify" (or no `key_ops`); other keys are skipped with a
//! warning. A symmetric (`oct`) key, a duplicate `kid`, a key whose type or
//! curve contradicts its `alg`, an RSA modulus under 2048 bits, a key the
//! crypto backend cannot use, or no usable key for a pinned algorithm make the
//! whole file an error.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use serde::Deserialize;
use serde_json::Value;

use super::jwt::{JwtAlgorithm, JwtError, check_verifier, read_key_file};

/// Smallest RSA modulus accepted from a JWKS file.
const MIN_RSA_MODULUS_BITS: usize = 2048;

/// A verification key from the JWKS, with the algorithm it is bound to.
#[derive(Clone)]
pub(super) struct JwksKey {
    pub(super) alg: JwtAlgorithm,
    pub(super) key: DecodingKey,
}

#[derive(Deserialize)]
struct RawJwkSet {
    keys: Vec<Value>,
}

/// Reads `path` and returns its usable keys by `kid`, for the pinned asymmetric algorithms.
pub(super) fn load_jwks(
    path: &Path,
    asymmetric: &[JwtAlgorithm],
) -> Result<HashMap<String, JwksKey>, JwtError> {
    let bytes = read_key_file("jwks_file", path)?;
    parse_jwk_set(&bytes, asymmetric, &path.display().to_string(), true).map_err(|reason| {
        JwtError::InvalidKeyFile {
            setting: "jwks_file",
            path: path.to_owned(),
            reason,
        }
    })
}

/// Parses a JWK set from `source` (a file or a provider's URL, for logs) into its usable keys
/// by `kid`. With `every_algorithm`, each pinned asymmetric algorithm needs a key; otherwise
/// one usable key is enough (a provider signs with one algorithm).
pub(super) fn parse_jwk_set(
    bytes: &[u8],
    asymmetric: &[JwtAlgorithm],
    source: &str,
    every_algorithm: bool,
) -> Result<HashMap<String, JwksKey>, String> {
    let set: RawJwkSet = serde_json::from_slice(bytes)
        .map_err(|err| format!("not a JWK set (`{{\"keys\": [...]}}`): {err}"))?;

    let mut keys: HashMap<String, JwksKey> = HashMap::new();
    for (index, raw) in set.keys.into_iter().enumerate() {
        let label = raw
            .get("kid")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{index}"), |kid| format!("`{kid}`"));
        if raw.get("kty").and_then(Value::as_str) == Some("oct") {
            return Err(format!(
                "key {label} is a symmetric (oct) key; symmetric keys are never taken from a JWKS"
            ));
        }
        let jwk: Jwk = match serde_json::from_value(raw) {
            Ok(jwk) => jwk,
            Err(err) => {
                tracing::warn!(
                    source,
                    key = %label,
                    error = %err,
                    "skipping a JWK of an unsupported type"
                );
                continue;
            }
        };
        if let Some((kid, key)) = usable_key(&jwk, &label, asymmetric, source)? {
            if keys.contains_key(&kid) {
                return Err(format!("kid `{kid}` appears more than once"));
            }
            keys.insert(kid, key);
        }
    }

    if every_algorithm {
        for alg in asymmetric {
            if !keys.values().any(|key| key.alg == *alg) {
                return Err(format!(
                    "no usable key for the pinned algorithm {alg} (a key needs a `kid`, `alg` = \
                     \"{alg}\", and `use` = \"sig\" or no `use`)"
                ));
            }
        }
    } else if keys.is_empty() {
        let names: Vec<&str> = asymmetric.iter().map(|alg| alg.as_str()).collect();
        return Err(format!(
            "no usable key for the pinned algorithm(s) {} (a key needs a `kid`, a pinned `alg`, \
             and `use` = \"sig\" or no `use`)",
            names.join(", ")
        ));
    }
    Ok(keys)
}

/// `Ok(None)` means "skip this key" (logged); `Err` means the file is wrong.
fn usable_key(
    jwk: &Jwk,
    label: &str,
    asymmetric: &[JwtAlgorithm],
    source: &str,
) -> Result<Option<(String, JwksKey)>, String> {
    let skip = |why: &str| -> Result<Option<(String, JwksKey)>, String> {
        tracing::warn!(source, key = %label, "skipping a JWK: {why}");
        Ok(None)
    };
    let Some(kid) = jwk.common.key_id.clone() else {
        return skip("it has no `kid`");
    };
    if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
        return skip("its `use` is not \"sig\"");
    }
    if matches!(&jwk.common.key_operations, Some(ops) if !ops.contains(&KeyOperations::Verify)) {
        return skip("its `key_ops` lacks \"verify\"");
    }
    let alg = match jwk.common.key_algorithm {
        None => return skip("it has no `alg`"),
        Some(KeyAlgorithm::RS256) => JwtAlgorithm::RS256,
        Some(KeyAlgorithm::ES256) => JwtAlgorithm::ES256,
        Some(KeyAlgorithm::EdDSA) => JwtAlgorithm::EdDSA,
        Some(_) => return skip("its `alg` is not RS256, ES256 or EdDSA"),
    };
    if !asymmetric.contains(&alg) {
        return skip("its `alg` is not pinned");
    }
    match (&jwk.algorithm, alg) {
        (AlgorithmParameters::RSA(params), JwtAlgorithm::RS256) => {
            let modulus = URL_SAFE_NO_PAD
                .decode(params.n.trim_end_matches('='))
                .map_err(|_| format!("key {label}: `n` is not base64url"))?;
            let bits = modulus_bits(&modulus);
            if bits < MIN_RSA_MODULUS_BITS {
                return Err(format!(
                    "key {label}: the RSA modulus has {bits} bits, at least \
                     {MIN_RSA_MODULUS_BITS} are required"
                ));
            }
        }
        (AlgorithmParameters::EllipticCurve(params), JwtAlgorithm::ES256)
            if params.curve == EllipticCurve::P256 => {}
        (AlgorithmParameters::OctetKeyPair(params), JwtAlgorithm::EdDSA)
            if params.curve == EllipticCurve::Ed25519 => {}
        _ => {
            return Err(format!(
                "key {label} declares `alg` {alg} but its key type or curve does not fit {alg}"
            ));
        }
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|err| format!("key {label}: {err}"))?;
    check_verifier(alg, &key).map_err(|err| format!("key {label}: unusable for {alg}: {err}"))?;
    Ok(Some((kid, JwksKey { alg, key })))
}

/// Bit length of a big-endian unsigned integer.
fn modulus_bits(big_endian: &[u8]) -> usize {
    let significant: Vec<u8> = big_endian
        .iter()
        .copied()
        .skip_while(|byte| *byte == 0)
        .collect();
    match significant.first() {
        None => 0,
        Some(first) => {
            let top_bits = (u8::BITS - first.leading_zeros()) as usize;
            (significant.len() - 1) * 8 + top_bits
        }
    }
}

/// JWK builders shared by the tests of this module and of `jwt`.
#[cfg(test)]
pub(super) mod test_keys {
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
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use serde_json::{Value, json};

    use super::test_keys::{ES256_KID, eddsa_jwk, es256_jwk, rs256_jwk};
    use super::*;

    struct JwksFile {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    fn jwks_file(keys: &[Value]) -> JwksFile {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let path = dir.path().join("jwks.json");
        fs::write(&path, json!({ "keys": keys }).to_string()).expect("write the JWKS");
        JwksFile { _dir: dir, path }
    }

    fn load(keys: &[Value], pinned: &[JwtAlgorithm]) -> Result<HashMap<String, JwksKey>, JwtError> {
        let file = jwks_file(keys);
        load_jwks(&file.path, pinned)
    }

    fn load_error(keys: &[Value], pinned: &[JwtAlgorithm]) -> String {
        match load(keys, pinned) {
            Ok(loaded) => panic!(
                "expected an error, got kids {:?}",
                loaded.keys().collect::<Vec<_>>()
            ),
            Err(err) => err.to_string(),
        }
    }

    fn sorted_kids(keys: &HashMap<String, JwksKey>) -> Vec<&str> {
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        kids
    }

    fn with(mut jwk: Value, name: &str, value: Value) -> Value {
        jwk[name] = value;
        jwk
    }

    fn without(mut jwk: Value, name: &str) -> Value {
        if let Some(map) = jwk.as_object_mut() {
            map.remove(name);
        }
        jwk
    }

    #[test]
    fn keys_of_every_supported_algorithm_load_by_kid() {
        let keys = load(
            &[es256_jwk(), rs256_jwk("rsa-1"), eddsa_jwk("ed-1")],
            &[
                JwtAlgorithm::RS256,
                JwtAlgorithm::ES256,
                JwtAlgorithm::EdDSA,
            ],
        )
        .expect("load the JWKS");
        assert_eq!(sorted_kids(&keys), vec!["ed-1", ES256_KID, "rsa-1"]);
        assert_eq!(keys["rsa-1"].alg, JwtAlgorithm::RS256);
        assert_eq!(keys[ES256_KID].alg, JwtAlgorithm::ES256);
        assert_eq!(keys["ed-1"].alg, JwtAlgorithm::EdDSA);
    }

    #[test]
    fn keys_without_kid_alg_or_signing_use_are_skipped() {
        let good = es256_jwk();
        let skipped = [
            without(good.clone(), "kid"),
            with(without(good.clone(), "alg"), "kid", json!("no-alg")),
            with(with(good.clone(), "use", json!("enc")), "kid", json!("enc")),
            with(
                with(good.clone(), "key_ops", json!(["sign"])),
                "kid",
                json!("sign-only"),
            ),
            with(
                with(good.clone(), "alg", json!("ES384")),
                "kid",
                json!("es384"),
            ),
            json!({"kty": "EC", "crv": "secp256k1", "kid": "k1", "alg": "ES256K", "x": "AA", "y": "AA"}),
            rs256_jwk("rsa-not-pinned"),
        ];
        let mut all: Vec<Value> = skipped.to_vec();
        all.push(with(good, "key_ops", json!(["verify"])));
        let keys = load(&all, &[JwtAlgorithm::ES256]).expect("load the JWKS");
        assert_eq!(sorted_kids(&keys), vec![ES256_KID]);
    }

    #[test]
    fn no_usable_key_for_a_pinned_algorithm_is_an_error() {
        let message = load_error(&[es256_jwk()], &[JwtAlgorithm::ES256, JwtAlgorithm::EdDSA]);
        assert!(
            message.contains("no usable key for the pinned algorithm EdDSA"),
            "{message}"
        );
        assert!(message.contains("jwks.json"), "{message}");
        let empty = load_error(&[], &[JwtAlgorithm::ES256]);
        assert!(empty.contains("ES256"), "{empty}");
    }

    #[test]
    fn a_symmetric_key_is_an_error_even_when_unpinned() {
        let oct = json!({"kty": "oct", "kid": "shared", "alg": "HS256", "k": "c2VjcmV0"});
        let message = load_error(&[es256_jwk(), oct], &[JwtAlgorithm::ES256]);
        assert!(message.contains("symmetric"), "{message}");
    }

    #[test]
    fn a_key_whose_alg_does_not_fit_its_type_is_an_error() {
        let ec_claiming_eddsa = with(es256_jwk(), "alg", json!("EdDSA"));
        let message = load_error(&[ec_claiming_eddsa], &[JwtAlgorithm::EdDSA]);
        assert!(message.contains("does not fit"), "{message}");

        let rsa_claiming_es256 = with(rs256_jwk("rsa"), "alg", json!("ES256"));
        let message = load_error(&[rsa_claiming_es256], &[JwtAlgorithm::ES256]);
        assert!(message.contains("does not fit"), "{message}");

        let p384_claiming_es256 = with(es256_jwk(), "crv", json!("P-384"));
        let message = load_error(&[p384_claiming_es256], &[JwtAlgorithm::ES256]);
        assert!(message.contains("does not fit"), "{message}");
    }

    #[test]
    fn a_duplicate_kid_is_an_error() {
        let message = load_error(&[es256_jwk(), es256_jwk()], &[JwtAlgorithm::ES256]);
        assert!(message.contains("more than once"), "{message}");
    }

    #[test]
    fn an_rsa_key_under_2048_bits_is_an_error() {
        let mut short = rs256_jwk("short");
        let n = short["n"].as_str().expect("n is a string").to_owned();
        let modulus = URL_SAFE_NO_PAD.decode(&n).expect("decode n");
        short["n"] = json!(URL_SAFE_NO_PAD.encode(&modulus[..128]));
        let message = load_error(&[short], &[JwtAlgorithm::RS256]);
        assert!(message.contains("1024 bits"), "{message}");
    }

    #[test]
    fn an_ec_point_off_the_curve_is_an_error() {
        let mut jwk = es256_jwk();
        jwk["y"] = json!(URL_SAFE_NO_PAD.encode([1_u8; 32]));
        let message = load_error(&[jwk], &[JwtAlgorithm::ES256]);
        assert!(message.contains("unusable for ES256"), "{message}");
    }

    #[test]
    fn a_file_that_is_not_a_jwk_set_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let path = dir.path().join("not-a-set.json");
        fs::write(&path, "[1, 2, 3]").expect("write the file");
        let message = load_jwks(&path, &[JwtAlgorithm::ES256])
            .err()
            .map(|err| err.to_string())
            .unwrap_or_default();
        assert!(message.contains("not-a-set.json"), "{message}");
        assert!(message.contains("not a JWK set"), "{message}");
    }

    #[test]
    fn modulus_bits_counts_from_the_highest_set_bit() {
        assert_eq!(modulus_bits(&[]), 0);
        assert_eq!(modulus_bits(&[0, 0]), 0);
        assert_eq!(modulus_bits(&[1]), 1);
        assert_eq!(modulus_bits(&[0, 0x80, 0]), 16);
        assert_eq!(modulus_bits(&[0x7f; 256]), 2047);
    }
}
