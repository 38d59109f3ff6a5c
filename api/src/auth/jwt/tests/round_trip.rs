//! Tokens that verify: minting and verifying round trips for every algorithm and key source.

use super::*;

#[test]
fn an_hs256_token_round_trips_through_mint_and_verify() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (token, jti, expires_at) = mint_viewer(&keys);

    assert_eq!(header_of(&token).alg, Algorithm::HS256);
    let verified = keys
        .verify_authorization_header(&bearer(&token))
        .expect("the minted token verifies");
    assert_eq!(
        verified,
        VerifiedToken {
            subject: "user-1".to_owned(),
            role: "VIEWER".to_owned(),
            partner_id: None,
            token_id: jti.clone(),
            expires_at,
        }
    );
    assert!(uuid::Uuid::parse_str(&jti).is_ok(), "jti is a uuid: {jti}");
}

#[test]
fn a_partner_token_round_trips_with_its_partner_id() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (token, _, _) = keys
        .mint(
            "partner:partner-42",
            "PARTNER",
            Some("partner-42"),
            Duration::minutes(5),
            Utc::now(),
        )
        .expect("mint a partner token");
    let verified = keys
        .verify_authorization_header(&bearer(&token))
        .expect("the partner token verifies");
    assert_eq!(verified.role, "PARTNER");
    assert_eq!(verified.partner_id.as_deref(), Some("partner-42"));
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (token, _, _) = mint_viewer(&keys);
    for scheme in ["bearer", "BEARER", "bEaReR"] {
        let value = format!("{scheme} {token}");
        assert!(
            keys.verify_authorization_header(value.as_bytes()).is_ok(),
            "{scheme} is accepted"
        );
    }
}

#[test]
fn each_minted_token_gets_a_fresh_jti() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let (_, first, _) = mint_viewer(&keys);
    let (_, second, _) = mint_viewer(&keys);
    assert_ne!(first, second);
}

#[test]
fn an_rs256_token_verifies_with_a_pem_public_key() {
    let fixture = Fixture::new();
    let mut settings = fixture.rs256_settings(&[JwtAlgorithm::RS256]);
    settings.private_key_pem = Some(fixture.write("rsa_private.pem", RSA_PRIVATE_PEM));
    let keys = fixture.keys(&settings);
    assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::RS256));

    let (token, jti, _) = mint_viewer(&keys);
    assert_eq!(header_of(&token).alg, Algorithm::RS256);
    let verified = keys
        .verify_authorization_header(&bearer(&token))
        .expect("the RS256 token verifies");
    assert_eq!(verified.token_id, jti);
}

#[test]
fn an_rs256_token_signed_elsewhere_verifies_with_only_the_public_key() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
    assert_eq!(keys.signing_algorithm(), None);
    let issuer_key =
        EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("parse the RSA key");
    let token = sign_raw(
        &json!({"alg": "RS256", "typ": "JWT"}),
        &valid_claims(),
        &issuer_key,
        Algorithm::RS256,
    );
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
}

#[test]
fn an_es256_token_verifies_through_a_jwks_file_selected_by_kid() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.es256_jwks_settings());
    assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::ES256));

    let (token, jti, _) = mint_viewer(&keys);
    let header = header_of(&token);
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some(ES256_KID));
    let verified = keys
        .verify_authorization_header(&bearer(&token))
        .expect("the ES256 token verifies");
    assert_eq!(verified.token_id, jti);
}

#[test]
fn tokens_of_every_asymmetric_algorithm_verify_through_one_jwks() {
    let fixture = Fixture::new();
    let jwks = json!({"keys": [rs256_jwk("rsa-1"), es256_jwk(), eddsa_jwk("ed-1")]});
    let settings = JwtSettings {
        algorithms: vec![
            JwtAlgorithm::RS256,
            JwtAlgorithm::ES256,
            JwtAlgorithm::EdDSA,
        ],
        jwks_file: Some(fixture.write("all.json", &jwks.to_string())),
        ..JwtSettings::default()
    };
    let keys = fixture.keys(&settings);
    let signers = [
        (
            "rsa-1",
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()),
        ),
        (
            ES256_KID,
            Algorithm::ES256,
            EncodingKey::from_ec_pem(EC_PRIVATE_PEM.as_bytes()),
        ),
        (
            "ed-1",
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(ED_PRIVATE_PEM.as_bytes()),
        ),
    ];
    for (kid, alg, key) in signers {
        let key = key.expect("parse the test private key");
        let token = sign_raw(&json!({"alg": alg, "kid": kid}), &valid_claims(), &key, alg);
        let verified = keys.verify_authorization_header(&bearer(&token));
        assert!(verified.is_ok(), "{alg:?}: {verified:?}");
    }

    // A token naming the kid of a key bound to another algorithm.
    let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("parse the RSA key");
    let token = sign_raw(
        &json!({"alg": "RS256", "kid": ES256_KID}),
        &valid_claims(),
        &rsa,
        Algorithm::RS256,
    );
    assert_rejected(&keys, &bearer(&token), AuthRejection::KeyAlgorithmMismatch);
}

#[test]
fn an_eddsa_token_verifies_with_a_pem_public_key() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![JwtAlgorithm::EdDSA],
        public_key_pem: Some(fixture.write("ed_public.pem", ED_PUBLIC_PEM)),
        private_key_pem: Some(fixture.write("ed_private.pem", ED_PRIVATE_PEM)),
        ..JwtSettings::default()
    };
    let keys = fixture.keys(&settings);
    let (token, _, _) = mint_viewer(&keys);
    assert_eq!(header_of(&token).alg, Algorithm::EdDSA);
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
}

#[test]
fn an_es256_token_verifies_with_a_pem_public_key() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        algorithms: vec![JwtAlgorithm::ES256],
        public_key_pem: Some(fixture.write("ec_public.pem", EC_PUBLIC_PEM)),
        private_key_pem: Some(fixture.write("ec_private.pem", EC_PRIVATE_PEM)),
        ..JwtSettings::default()
    };
    let keys = fixture.keys(&settings);
    let (token, _, _) = mint_viewer(&keys);
    assert_eq!(header_of(&token).kid, None);
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
}

#[test]
fn mint_uses_the_first_pinned_algorithm_it_has_a_signing_key_for() {
    let fixture = Fixture::new();
    let without_private = fixture.rs256_settings(&[JwtAlgorithm::RS256, JwtAlgorithm::HS256]);
    let keys = fixture.keys(&without_private);
    assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::HS256));
    let (token, _, _) = mint_viewer(&keys);
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());

    let with_private = JwtSettings {
        private_key_pem: Some(fixture.write("rsa_private.pem", RSA_PRIVATE_PEM)),
        ..without_private
    };
    let keys = fixture.keys(&with_private);
    assert_eq!(keys.signing_algorithm(), Some(JwtAlgorithm::RS256));
    let (token, _, _) = mint_viewer(&keys);
    assert_eq!(header_of(&token).alg, Algorithm::RS256);
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
}

#[test]
fn a_token_expired_within_the_leeway_is_accepted() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "exp", json!(now_ts() - 2));
    let token = hs256_token(&fixture, &claims);
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
}

#[test]
fn a_token_whose_nbf_is_within_the_leeway_is_accepted() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "nbf", json!(now_ts() + 2));
    let token = hs256_token(&fixture, &claims);
    assert!(keys.verify_authorization_header(&bearer(&token)).is_ok());
}

#[test]
fn hs256_tokens_survive_a_restart_because_the_secret_is_reused() {
    let fixture = Fixture::new();
    let (token, _, _) = mint_viewer(&fixture.keys(&hs256_settings()));
    let restarted = fixture.keys(&hs256_settings());
    assert!(
        restarted
            .verify_authorization_header(&bearer(&token))
            .is_ok()
    );
}

// --- rejection: algorithm and key confusion ---------------------------
