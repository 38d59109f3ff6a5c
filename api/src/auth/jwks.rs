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
#[path = "jwks_test_keys.rs"]
pub(super) mod test_keys;

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;
