//! Loading public and private keys from PEM and JWKS files.

use std::fs;
use std::path::Path;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, EncodingKey};
use secrecy::zeroize::Zeroize as _;

use crate::auth::jwks::load_jwks;

use super::KEY_PROBE_MESSAGE;
use super::error::JwtError;
use super::keys::{PublicKeys, Signer};
use super::settings::{JwtAlgorithm, JwtSettings};

pub(super) fn load_public_keys(
    settings: &JwtSettings,
    asymmetric: &[JwtAlgorithm],
) -> Result<PublicKeys, JwtError> {
    if settings.jwks_url.is_some() {
        // The provider's keys, fetched by `auth::idp` (settings exclude any other key).
        return Ok(PublicKeys::None);
    }
    let names: Vec<&str> = asymmetric.iter().map(|alg| alg.as_str()).collect();
    match (&settings.public_key_pem, &settings.jwks_file) {
        (Some(_), Some(_)) => Err(JwtError::InvalidSetting {
            setting: "jwks_file",
            reason: "public_key_pem and jwks_file are both set; configure exactly one".to_owned(),
        }),
        (pem, jwks) if asymmetric.is_empty() => {
            let unused = [
                ("public_key_pem", pem.is_some()),
                ("jwks_file", jwks.is_some()),
                ("private_key_pem", settings.private_key_pem.is_some()),
            ];
            match unused.iter().find(|(_, set)| *set) {
                Some((setting, _)) => Err(JwtError::InvalidSetting {
                    setting,
                    reason: "is set, but `algorithms` pins no asymmetric algorithm \
                             (RS256, ES256 or EdDSA)"
                        .to_owned(),
                }),
                None => Ok(PublicKeys::None),
            }
        }
        (None, None) => Err(JwtError::InvalidSetting {
            setting: "algorithms",
            reason: format!(
                "pins {}, which needs a public key, but neither public_key_pem nor jwks_file \
                 is set",
                names.join(", ")
            ),
        }),
        (Some(path), None) => load_public_pem(path, asymmetric).map(PublicKeys::Pem),
        (None, Some(path)) => load_jwks(path, asymmetric).map(PublicKeys::Jwks),
    }
}

pub(in crate::auth) fn read_key_file(
    setting: &'static str,
    path: &Path,
) -> Result<Vec<u8>, JwtError> {
    fs::read(path).map_err(|source| JwtError::Io {
        what: match setting {
            "public_key_pem" => "cannot read public_key_pem",
            "private_key_pem" => "cannot read private_key_pem",
            _ => "cannot read jwks_file",
        },
        path: path.to_owned(),
        source,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Fails when the crypto backend cannot build a verifier from the key.
/// (RSA keys are only parsed when a signature is checked, so this proves
/// little for them; EC and Ed25519 keys are fully parsed.)
pub(in crate::auth) fn check_verifier(alg: JwtAlgorithm, key: &DecodingKey) -> Result<(), String> {
    jsonwebtoken::crypto::verify("AA", KEY_PROBE_MESSAGE, key, alg.to_jsonwebtoken())
        .map(|_| ())
        .map_err(|err| err.to_string())
}

fn decoding_key_from_pem(
    alg: JwtAlgorithm,
    pem: &[u8],
) -> jsonwebtoken::errors::Result<DecodingKey> {
    match alg {
        JwtAlgorithm::RS256 => DecodingKey::from_rsa_pem(pem),
        JwtAlgorithm::ES256 => DecodingKey::from_ec_pem(pem),
        JwtAlgorithm::EdDSA => DecodingKey::from_ed_pem(pem),
        JwtAlgorithm::HS256 => Err(ErrorKind::InvalidKeyFormat.into()),
    }
}

fn load_public_pem(
    path: &Path,
    asymmetric: &[JwtAlgorithm],
) -> Result<Vec<(JwtAlgorithm, DecodingKey)>, JwtError> {
    let invalid = |reason: String| JwtError::InvalidKeyFile {
        setting: "public_key_pem",
        path: path.to_owned(),
        reason,
    };
    let mut pem = read_key_file("public_key_pem", path)?;
    if contains(&pem, b"PRIVATE KEY") {
        pem.zeroize();
        return Err(invalid(
            "the file holds a private key; public_key_pem takes the public key only (put the \
             private key in private_key_pem)"
                .to_owned(),
        ));
    }
    let mut keys = Vec::with_capacity(asymmetric.len());
    for alg in asymmetric {
        let key = decoding_key_from_pem(*alg, &pem)
            .map_err(|err| invalid(format!("not a valid {alg} public key: {err}")))?;
        check_verifier(*alg, &key)
            .map_err(|err| invalid(format!("not usable as an {alg} public key: {err}")))?;
        keys.push((*alg, key));
    }
    Ok(keys)
}

fn encoding_key_from_pem(
    alg: JwtAlgorithm,
    pem: &[u8],
) -> jsonwebtoken::errors::Result<EncodingKey> {
    match alg {
        JwtAlgorithm::RS256 => EncodingKey::from_rsa_pem(pem),
        JwtAlgorithm::ES256 => EncodingKey::from_ec_pem(pem),
        JwtAlgorithm::EdDSA => EncodingKey::from_ed_pem(pem),
        JwtAlgorithm::HS256 => Err(ErrorKind::InvalidKeyFormat.into()),
    }
}

/// Loads `private_key_pem` for the first pinned asymmetric algorithm it fits,
/// and proves it matches a configured public key (whose `kid` minted tokens carry).
pub(super) fn load_private_key(
    path: &Path,
    asymmetric: &[JwtAlgorithm],
    public: &PublicKeys,
) -> Result<Signer, JwtError> {
    let invalid = |reason: String| JwtError::InvalidKeyFile {
        setting: "private_key_pem",
        path: path.to_owned(),
        reason,
    };
    let mut pem = read_key_file("private_key_pem", path)?;
    let mut unmatched: Option<JwtAlgorithm> = None;
    let mut found: Option<Signer> = None;
    for alg in asymmetric {
        let Ok(key) = encoding_key_from_pem(*alg, &pem) else {
            continue;
        };
        let Ok(signature) =
            jsonwebtoken::crypto::sign(KEY_PROBE_MESSAGE, &key, alg.to_jsonwebtoken())
        else {
            continue;
        };
        let verifies = |candidate: &DecodingKey| {
            matches!(
                jsonwebtoken::crypto::verify(
                    &signature,
                    KEY_PROBE_MESSAGE,
                    candidate,
                    alg.to_jsonwebtoken()
                ),
                Ok(true)
            )
        };
        let kid = match public {
            PublicKeys::None => None,
            PublicKeys::Pem(keys) => keys
                .iter()
                .any(|(key_alg, candidate)| key_alg == alg && verifies(candidate))
                .then_some(None),
            PublicKeys::Jwks(keys) => {
                let mut kids: Vec<&String> = keys
                    .iter()
                    .filter(|(_, entry)| entry.alg == *alg && verifies(&entry.key))
                    .map(|(kid, _)| kid)
                    .collect();
                kids.sort_unstable();
                kids.first().map(|kid| Some((*kid).clone()))
            }
        };
        match kid {
            Some(kid) => {
                found = Some(Signer {
                    alg: *alg,
                    key,
                    kid,
                });
                break;
            }
            None => {
                unmatched.get_or_insert(*alg);
            }
        }
    }
    pem.zeroize();
    match (found, unmatched) {
        (Some(signer), _) => Ok(signer),
        (None, Some(alg)) => Err(invalid(format!(
            "the {alg} private key matches no configured public key (public_key_pem or \
             jwks_file), so tokens minted with it could never be verified"
        ))),
        (None, None) => {
            let names: Vec<&str> = asymmetric.iter().map(|alg| alg.as_str()).collect();
            Err(invalid(format!(
                "not a usable PKCS#8 (or PKCS#1 RSA) private key for the pinned algorithm(s) {}",
                names.join(", ")
            )))
        }
    }
}
