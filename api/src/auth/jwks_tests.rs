//! Loading JWKS files: which keys are used, skipped, or make the whole file an error.

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
