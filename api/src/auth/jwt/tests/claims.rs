//! Claims a token must carry and their bounds: times, issuer, audience, subject, id, role
//! and partner, and mint refusing what verify would reject.

use super::*;

#[test]
fn an_expired_token_beyond_the_leeway_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "exp", json!(now_ts() - 60));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::Expired,
    );

    let an_hour_ago = Utc::now() - Duration::hours(1);
    let (minted, _, _) = keys
        .mint("user-1", "VIEWER", None, Duration::minutes(10), an_hour_ago)
        .expect("mint a token in the past");
    assert_rejected(&keys, &bearer(&minted), AuthRejection::Expired);
}

#[test]
fn a_token_whose_nbf_is_in_the_future_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "nbf", json!(now_ts() + 120));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::NotYetValid,
    );
}

#[test]
fn a_token_without_exp_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = without(valid_claims(), "exp");
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::MissingClaim("exp"),
    );
}

#[test]
fn a_token_with_exp_as_a_string_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let far_future = (now_ts() + 3600).to_string();
    let claims = with(valid_claims(), "exp", json!(far_future));
    // jsonwebtoken treats an unparsable `exp` as absent.
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::MissingClaim("exp"),
    );
}

#[test]
fn a_token_with_a_fractional_exp_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let exp = now_ts() as f64 + 300.5;
    let claims = with(valid_claims(), "exp", json!(exp));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::InvalidClaim("exp"),
    );
}

#[test]
fn a_token_with_nbf_as_a_string_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "nbf", json!("0"));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::InvalidClaim("nbf"),
    );
}

// --- rejection: claims --------------------------------------------------

#[test]
fn a_token_for_another_audience_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "aud", json!("someone-else"));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::WrongAudience,
    );
    let missing = without(valid_claims(), "aud");
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &missing)),
        AuthRejection::MissingClaim("aud"),
    );
}

#[test]
fn an_audience_array_is_rejected_even_when_it_contains_the_audience() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "aud", json!(["rapport-api", "other"]));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::InvalidClaim("aud"),
    );
}

#[test]
fn a_token_from_another_issuer_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "iss", json!("evil"));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::WrongIssuer,
    );
    let missing = without(valid_claims(), "iss");
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &missing)),
        AuthRejection::MissingClaim("iss"),
    );
}

#[test]
fn a_token_without_sub_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let missing = without(valid_claims(), "sub");
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &missing)),
        AuthRejection::MissingClaim("sub"),
    );
    let empty = with(valid_claims(), "sub", json!(""));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &empty)),
        AuthRejection::InvalidClaim("sub"),
    );
    // jsonwebtoken treats a non-string `sub` as absent.
    let numeric = with(valid_claims(), "sub", json!(42));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &numeric)),
        AuthRejection::MissingClaim("sub"),
    );
}

#[test]
fn a_token_without_jti_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let missing = without(valid_claims(), "jti");
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &missing)),
        AuthRejection::MissingClaim("jti"),
    );
}

#[test]
fn a_token_with_an_unknown_role_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    for role in [
        json!("SUPERUSER"),
        json!("admin"),
        json!(""),
        json!(["ADMIN"]),
    ] {
        let claims = with(valid_claims(), "role", role.clone());
        let result = keys.verify_authorization_header(&bearer(&hs256_token(&fixture, &claims)));
        assert!(
            matches!(
                result,
                Err(AuthRejection::UnknownRole | AuthRejection::InvalidClaim("role"))
            ),
            "role {role} gave {result:?}"
        );
    }
    let missing = without(valid_claims(), "role");
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &missing)),
        AuthRejection::MissingClaim("role"),
    );
}

#[test]
fn a_partner_token_without_partner_id_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let partner = with(valid_claims(), "role", json!("PARTNER"));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &partner)),
        AuthRejection::PartnerWithoutPartnerId,
    );
    let empty = with(partner.clone(), "partner_id", json!(""));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &empty)),
        AuthRejection::PartnerWithoutPartnerId,
    );
    let numeric = with(partner, "partner_id", json!(42));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &numeric)),
        AuthRejection::InvalidClaim("partner_id"),
    );
}

#[test]
fn a_non_partner_token_with_a_partner_id_is_rejected() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let claims = with(valid_claims(), "partner_id", json!("partner-42"));
    assert_rejected(
        &keys,
        &bearer(&hs256_token(&fixture, &claims)),
        AuthRejection::PartnerIdWithoutPartnerRole,
    );
}

#[test]
fn mint_refuses_what_verify_would_reject() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&hs256_settings());
    let now = Utc::now();
    let ttl = Duration::minutes(5);
    assert!(keys.mint("u", "SUPERUSER", None, ttl, now).is_err());
    assert!(keys.mint("u", "PARTNER", None, ttl, now).is_err());
    assert!(keys.mint("u", "VIEWER", Some("p"), ttl, now).is_err());
    assert!(keys.mint("", "VIEWER", None, ttl, now).is_err());
    assert!(
        keys.mint("u", "VIEWER", None, Duration::zero(), now)
            .is_err()
    );
    assert!(
        keys.mint("u", "VIEWER", None, Duration::seconds(-5), now)
            .is_err()
    );
}

#[test]
fn mint_without_a_signing_key_is_an_error() {
    let fixture = Fixture::new();
    let keys = fixture.keys(&fixture.rs256_settings(&[JwtAlgorithm::RS256]));
    let err = keys
        .mint("u", "VIEWER", None, Duration::minutes(5), Utc::now())
        .expect_err("no signing key");
    assert!(err.to_string().contains("private_key_pem"), "{err}");
}

// --- rejection: token shape ---------------------------------------------
