//! Forged, tampered and malformed tokens: algorithm and key confusion, unknown keys, critical
//! headers, broken signatures and garbage `Authorization` values.

use super::*;

#[test]
fn a_token_with_alg_none_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let payload = b64_json(&valid_claims());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64_json(&json!({"alg": alg, "typ": "JWT"}));
        let unsigned = format!("{header}.{payload}.");
        assert_rejected(
            &keys,
            &bearer(&unsigned),
            AuthRejection::AlgorithmNotAllowed,
        );
        let with_junk_signature = format!("{header}.{payload}.c2lnbmF0dXJl");
        assert_rejected(
            &keys,
            &bearer(&with_junk_signature),
            AuthRejection::AlgorithmNotAllowed,
        );
    }
}

#[test]
fn an_hs256_token_signed_with_the_rsa_public_key_pem_is_rejected_when_rs256_and_hs256_are_pinned() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256, JwtAlgorithm::HS256]));
    for key_bytes in [RSA_PUBLIC_PEM, RSA_PUBLIC_PEM.trim_end()] {
        let token = sign_raw(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &valid_claims(),
            &EncodingKey::from_secret(key_bytes.as_bytes()),
            Algorithm::HS256,
        );
        assert_rejected(&keys, &bearer(&token), AuthRejection::InvalidSignature);
    }
}

#[test]
fn an_hs256_token_signed_with_the_rsa_public_key_pem_is_rejected_when_only_rs256_is_pinned() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
    let token = sign_raw(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &valid_claims(),
        &EncodingKey::from_secret(RSA_PUBLIC_PEM.as_bytes()),
        Algorithm::HS256,
    );
    assert_rejected(&keys, &bearer(&token), AuthRejection::AlgorithmNotAllowed);
}

#[test]
fn only_rs256_pinned_creates_no_hs256_secret() {
    let fixture = Fixture::new();
    fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
    assert!(!fixture.data_dir().join(SECRET_FILE_NAME).exists());
}

#[test]
fn a_token_for_an_algorithm_that_is_not_pinned_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let token = sign_raw(
        &json!({"alg": "ES256", "kid": ES256_KID}),
        &valid_claims(),
        &EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).expect("parse the EC key"),
        Algorithm::ES256,
    );
    assert_rejected(&keys, &bearer(&token), AuthRejection::AlgorithmNotAllowed);
    let hs512 = sign_raw(
        &json!({"alg": "HS512"}),
        &valid_claims(),
        &fixture.hs256_signing_key(),
        Algorithm::HS512,
    );
    assert_rejected(&keys, &bearer(&hs512), AuthRejection::AlgorithmNotAllowed);
}

#[test]
fn an_hs256_token_signed_with_another_secret_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let token = sign_raw(
        &json!({"alg": "HS256"}),
        &valid_claims(),
        &EncodingKey::from_secret(&[7_u8; 64]),
        Algorithm::HS256,
    );
    assert_rejected(&keys, &bearer(&token), AuthRejection::InvalidSignature);
}

#[test]
fn a_jwks_token_signed_by_a_key_outside_the_jwks_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.es256_jwks_settings());
    let token = sign_raw(
        &json!({"alg": "ES256", "kid": ES256_KID}),
        &valid_claims(),
        &EncodingKey::from_ec_pem(EC_OTHER_PRIVATE_PEM.as_bytes()).expect("parse the EC key"),
        Algorithm::ES256,
    );
    assert_rejected(&keys, &bearer(&token), AuthRejection::InvalidSignature);
}

#[test]
fn a_jwks_token_with_an_unknown_or_missing_kid_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.es256_jwks_settings());
    let signing_key =
        EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()).expect("parse the EC key");
    let unknown = sign_raw(
        &json!({"alg": "ES256", "kid": "not-in-the-set"}),
        &valid_claims(),
        &signing_key,
        Algorithm::ES256,
    );
    assert_rejected(&keys, &bearer(&unknown), AuthRejection::UnknownKeyId);
    let missing = sign_raw(
        &json!({"alg": "ES256"}),
        &valid_claims(),
        &signing_key,
        Algorithm::ES256,
    );
    assert_rejected(&keys, &bearer(&missing), AuthRejection::MissingKeyId);
}

#[test]
fn a_token_with_a_crit_header_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let token = sign_raw(
        &json!({"alg": "HS256", "crit": ["exp"]}),
        &valid_claims(),
        &fixture.hs256_signing_key(),
        Algorithm::HS256,
    );
    assert_rejected(
        &keys,
        &bearer(&token),
        AuthRejection::UnsupportedCriticalHeader,
    );
}

// --- rejection: time ---------------------------------------------------

#[test]
fn a_token_with_a_tampered_payload_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (token, _, _) = mint_viewer(&keys);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload = URL_SAFE_NO_PAD
        .decode(parts[1])
        .expect("decode the payload");
    let mut claims: Value = serde_json::from_slice(&payload).expect("parse the payload");
    claims["role"] = json!("ADMIN");
    let tampered = format!("{}.{}.{}", parts[0], b64_json(&claims), parts[2]);
    assert_rejected(&keys, &bearer(&tampered), AuthRejection::InvalidSignature);
}

#[test]
fn a_token_with_a_stripped_signature_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (token, _, _) = mint_viewer(&keys);
    let (message, _) = token.rsplit_once('.').expect("a compact token");
    assert_rejected(
        &keys,
        &bearer(&format!("{message}.")),
        AuthRejection::MissingSignature,
    );
    assert_rejected(&keys, &bearer(message), AuthRejection::MalformedToken);
}

#[test]
fn garbage_authorization_values_are_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (token, _, _) = mint_viewer(&keys);
    let cases: Vec<(Vec<u8>, AuthRejection)> = vec![
        (b"".to_vec(), AuthRejection::MissingCredentials),
        (b"Bearer".to_vec(), AuthRejection::MalformedAuthorization),
        (b"Bearer ".to_vec(), AuthRejection::MalformedToken),
        (b"Basic abc".to_vec(), AuthRejection::NotBearer),
        (
            format!("Basic {token}").into_bytes(),
            AuthRejection::NotBearer,
        ),
        (
            format!("Bearer{token}").into_bytes(),
            AuthRejection::MalformedAuthorization,
        ),
        (b"Bearer a.b".to_vec(), AuthRejection::MalformedToken),
        (b"Bearer a.b.c.d".to_vec(), AuthRejection::MalformedToken),
        (b"Bearer ..".to_vec(), AuthRejection::MalformedToken),
        (b"Bearer a.b.c".to_vec(), AuthRejection::MalformedToken),
        (
            b"Bearer e30.e30.e30".to_vec(),
            AuthRejection::MalformedToken,
        ),
        (
            format!("Bearer  {token}").into_bytes(),
            AuthRejection::MalformedToken,
        ),
        (
            format!(" Bearer {token}").into_bytes(),
            AuthRejection::NotBearer,
        ),
        (
            format!("Bearer {token} ").into_bytes(),
            AuthRejection::MalformedToken,
        ),
        (
            format!("Bearer\t{token}").into_bytes(),
            AuthRejection::MalformedAuthorization,
        ),
        (
            format!("Bearer {token}=").into_bytes(),
            AuthRejection::MalformedToken,
        ),
        (b"Bearer \xff\xfe.\x00.x".to_vec(), AuthRejection::NotUtf8),
    ];
    for (value, expected) in cases {
        assert_rejected(&keys, &value, expected);
    }
    for _ in 0..200 {
        let random: [u8; 48] = rand::random();
        assert!(keys.verify_authorization_header(&random).is_err());
        let mut prefixed = b"Bearer ".to_vec();
        prefixed.extend_from_slice(&random);
        assert!(keys.verify_authorization_header(&prefixed).is_err());
    }
}

#[test]
fn an_oversized_authorization_value_is_rejected_before_decoding() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let mut huge = b"Bearer ".to_vec();
    huge.resize(8193, b'a');
    assert_rejected(&keys, &huge, AuthRejection::TooLarge);
    let mut non_utf8 = vec![0xff_u8; 8193];
    non_utf8[0] = b'B';
    assert_rejected(&keys, &non_utf8, AuthRejection::TooLarge);

    // A perfectly valid token is refused once the limit is below its size.
    let (token, _, _) = mint_viewer(&keys);
    let small = JwtSettings {
        max_token_bytes: token.len(),
        ..hs256_settings()
    };
    let strict = fixture.keys(&small);
    assert_rejected(&strict, &bearer(&token), AuthRejection::TooLarge);
    assert!(
        strict
            .mint("user-1", "VIEWER", None, Duration::minutes(5), Utc::now())
            .is_err(),
        "mint refuses a token the verifier would refuse"
    );
}

// --- configuration ---------------------------------------------------------
