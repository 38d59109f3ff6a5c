//! Settings and key loading: defaults, the refused combinations, and what a load error names.

use super::*;

#[test]
fn settings_default_to_hs256_with_a_five_second_leeway() {
    let parsed: JwtSettings = serde_json::from_value(json!({})).expect("empty settings parse");
    assert_eq!(parsed, JwtSettings::default());
    assert_eq!(parsed.issuer, "rapport");
    assert_eq!(parsed.audience, "rapport-api");
    assert_eq!(parsed.algorithms, vec![JwtAlgorithm::HS256]);
    assert_eq!(parsed.leeway_seconds, 5);
    assert_eq!(parsed.max_token_bytes, 8192);
}

#[test]
fn settings_accept_exactly_the_jose_algorithm_spellings() {
    let parsed: JwtSettings =
        serde_json::from_value(json!({"algorithms": ["HS256", "RS256", "ES256", "EdDSA"]}))
            .expect("JOSE spellings parse");
    assert_eq!(parsed.algorithms.len(), 4);
    for bad in ["none", "hs256", "EDDSA", "HS512", "RS384"] {
        let result = serde_json::from_value::<JwtSettings>(json!({"algorithms": [bad]}));
        assert!(result.is_err(), "{bad} must be refused");
    }
}

#[test]
fn settings_refuse_unknown_fields() {
    let result = serde_json::from_value::<JwtSettings>(json!({"signing_secret": "hunter2"}));
    assert!(result.is_err());
}

#[test]
fn a_leeway_above_30_seconds_is_refused_at_config_load() {
    let err = serde_json::from_value::<JwtSettings>(json!({"leeway_seconds": 31}))
        .expect_err("31 s is refused by deserialization");
    assert!(err.to_string().contains("leeway_seconds"), "{err}");
    let ok: JwtSettings =
        serde_json::from_value(json!({"leeway_seconds": 30})).expect("30 s is accepted");
    assert_eq!(ok.leeway_seconds, 30);

    let fixture = Fixture::new();
    let in_code = JwtSettings {
        leeway_seconds: 31,
        ..hs256_settings()
    };
    let err = fixture.load_error(&in_code);
    assert!(
        matches!(
            err,
            JwtError::InvalidSetting {
                setting: "leeway_seconds",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn pinning_an_asymmetric_algorithm_without_a_public_key_is_a_load_error() {
    let fixture = Fixture::new();
    for alg in [
        JwtAlgorithm::RS256,
        JwtAlgorithm::ES256,
        JwtAlgorithm::EdDSA,
    ] {
        let settings = JwtSettings {
            algorithms: vec![JwtAlgorithm::HS256, alg],
            ..JwtSettings::default()
        };
        let message = fixture.load_error(&settings).to_string();
        assert!(
            message.contains("public_key_pem") && message.contains("jwks_file"),
            "{message}"
        );
        assert!(message.contains(alg.as_str()), "{message}");
    }
}

#[test]
fn an_empty_algorithm_list_is_a_load_error() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![],
        ..JwtSettings::default()
    };
    assert!(matches!(
        fixture.load_error(&settings),
        JwtError::InvalidSetting {
            setting: "algorithms",
            ..
        }
    ));
}

#[test]
fn a_public_key_without_an_asymmetric_algorithm_is_a_load_error() {
    let fixture = Fixture::new();
    let settings = fixture.rs256_settings(&[JwtAlgorithm::HS256]);
    let err = fixture.load_error(&settings);
    assert!(
        matches!(
            err,
            JwtError::InvalidSetting {
                setting: "public_key_pem",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn setting_both_a_pem_and_a_jwks_is_a_load_error() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        jwks_file: Some(fixture.write("jwks.json", ES256_JWKS)),
        ..fixture.rs256_settings(&[JwtAlgorithm::RS256, JwtAlgorithm::ES256])
    };
    let message = fixture.load_error(&settings).to_string();
    assert!(message.contains("both set"), "{message}");
}

#[test]
fn a_public_key_of_the_wrong_type_is_a_load_error_naming_the_file() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![JwtAlgorithm::ES256],
        public_key_pem: Some(fixture.write("actually_rsa.pem", RSA_PUBLIC_PEM)),
        ..JwtSettings::default()
    };
    let message = fixture.load_error(&settings).to_string();
    assert!(message.contains("actually_rsa.pem"), "{message}");
    assert!(message.contains("ES256"), "{message}");
}

#[test]
fn a_private_key_in_public_key_pem_is_a_load_error() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![JwtAlgorithm::RS256],
        public_key_pem: Some(fixture.write("oops.pem", RSA_PRIVATE_PEM)),
        ..JwtSettings::default()
    };
    let message = fixture.load_error(&settings).to_string();
    assert!(message.contains("private key"), "{message}");
}

#[test]
fn a_missing_key_file_is_a_load_error_naming_the_file() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![JwtAlgorithm::RS256],
        public_key_pem: Some(fixture.dir.path().join("does-not-exist.pem")),
        ..JwtSettings::default()
    };
    let message = fixture.load_error(&settings).to_string();
    assert!(message.contains("does-not-exist.pem"), "{message}");
    assert!(message.contains("public_key_pem"), "{message}");
}

#[test]
fn a_private_key_that_matches_no_public_key_is_a_load_error() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        private_key_pem: Some(fixture.write("other.pem", EC_OTHER_PRIVATE_PEM)),
        ..fixture.es256_jwks_settings()
    };
    let message = fixture.load_error(&settings).to_string();
    assert!(
        message.contains("matches no configured public key"),
        "{message}"
    );
    assert!(message.contains("other.pem"), "{message}");
}

#[test]
fn a_jwks_without_a_key_for_a_pinned_algorithm_is_a_load_error() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![JwtAlgorithm::EdDSA],
        jwks_file: Some(fixture.write("jwks.json", ES256_JWKS)),
        ..JwtSettings::default()
    };
    let message = fixture.load_error(&settings).to_string();
    assert!(
        message.contains("no usable key for the pinned algorithm EdDSA"),
        "{message}"
    );
}

#[test]
fn the_debug_output_holds_no_key_material() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let secret = load_or_create_hs256_secret(&fixture.data_dir()).expect("load the secret");
    let encoded = STANDARD.encode(secret.expose_secret());
    let debug = format!("{keys:?}");
    assert!(!debug.contains(&encoded[..16]), "{debug}");
    assert!(!format!("{secret:?}").contains(&encoded[..16]));
}

// --- HS256 secret file ------------------------------------------------------
