//! The bounds on a token's times and on a partner token's subject, checked on tokens signed
//! by hand (a hostile issuer, or a leaked key used carelessly) rather than minted here.

use chrono::{Duration, Utc};
use jsonwebtoken::{EncodingKey, Header};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};

use super::jwt::{AuthRejection, JwtKeys, JwtSettings, load_or_create_hs256_secret};
use super::partner_subject;
use crate::global_id::{self, Kind};
use rapport_domain::ids::PartnerId;

const DAY: i64 = 86_400;

struct Issuer {
    keys: JwtKeys,
    key: EncodingKey,
    _dir: tempfile::TempDir,
}

fn issuer(settings: &JwtSettings) -> Issuer {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = JwtKeys::from_settings(settings, dir.path()).expect("keys load");
    let secret = load_or_create_hs256_secret(dir.path()).expect("the secret");
    let key = EncodingKey::from_secret(secret.expose_secret());
    Issuer {
        keys,
        key,
        _dir: dir,
    }
}

impl Issuer {
    fn verify(&self, claims: &Value) -> Result<(), AuthRejection> {
        let token = jsonwebtoken::encode(&Header::default(), claims, &self.key).expect("signed");
        self.keys.verify_token(&token).map(|_| ())
    }
}

fn claims(iat: Option<i64>, exp: i64) -> Value {
    let mut claims = json!({
        "sub": "ops-1",
        "role": "VIEWER",
        "iss": "rapport",
        "aud": "rapport-api",
        "exp": exp,
        "jti": "0b1f4c1e-2d55-4a53-9e4e-51f1bb0d0a01",
    });
    if let Some(iat) = iat {
        claims["iat"] = json!(iat);
    }
    claims
}

#[test]
fn a_token_issued_in_the_future_beyond_the_leeway_is_refused() {
    let issuer = issuer(&JwtSettings::default());
    let now = Utc::now().timestamp();
    assert_eq!(
        issuer.verify(&claims(Some(now + 60), now + 600)),
        Err(AuthRejection::IssuedInTheFuture)
    );
    assert_eq!(
        issuer.verify(&claims(Some(now + 3_600 * 24), now + 2 * DAY)),
        Err(AuthRejection::IssuedInTheFuture)
    );
    assert_eq!(issuer.verify(&claims(Some(now + 2), now + 600)), Ok(()));
}

#[test]
fn a_token_living_longer_than_the_maximum_is_refused_with_or_without_iat() {
    let issuer = issuer(&JwtSettings::default());
    let now = Utc::now().timestamp();
    let year_9999 = 253_402_300_799;
    for (iat, exp) in [
        (Some(now), year_9999),
        (None, year_9999),
        (Some(now), now + 367 * DAY),
        (None, now + 367 * DAY),
        (Some(now - 30 * DAY), now + 340 * DAY),
    ] {
        assert_eq!(
            issuer.verify(&claims(iat, exp)),
            Err(AuthRejection::LifetimeTooLong),
            "iat {iat:?}, exp {exp}"
        );
    }
    // A partner token of the longest allowed life (365 days) still passes.
    assert_eq!(issuer.verify(&claims(Some(now), now + 365 * DAY)), Ok(()));
    assert_eq!(issuer.verify(&claims(None, now + 365 * DAY)), Ok(()));
}

#[test]
fn the_maximum_lifetime_is_a_setting_that_minting_respects_too() {
    let settings = JwtSettings {
        max_token_lifetime_days: 1,
        ..JwtSettings::default()
    };
    let issuer = issuer(&settings);
    let now = Utc::now().timestamp();
    assert_eq!(
        issuer.verify(&claims(Some(now), now + 2 * DAY)),
        Err(AuthRejection::LifetimeTooLong)
    );
    assert_eq!(issuer.verify(&claims(Some(now), now + DAY)), Ok(()));
    let minted = issuer
        .keys
        .mint("ops-1", "VIEWER", None, Duration::days(2), Utc::now());
    assert!(minted.is_err(), "{minted:?}");

    for days in [0, 3651] {
        let bad = JwtSettings {
            max_token_lifetime_days: days,
            ..JwtSettings::default()
        };
        let err = bad.validate().expect_err("refused");
        assert!(err.to_string().contains("max_token_lifetime_days"), "{err}");
    }
}

#[test]
fn a_partner_token_must_carry_the_subject_of_its_partner() {
    let issuer = issuer(&JwtSettings::default());
    let now = Utc::now().timestamp();
    let partner = global_id::encode(Kind::Partner, 1);
    let other = global_id::encode(Kind::Partner, 2);
    let token = |sub: &str| {
        let mut c = claims(Some(now), now + 600);
        c["role"] = json!("PARTNER");
        c["partner_id"] = json!(partner);
        c["sub"] = json!(sub);
        c
    };
    for sub in [
        "bootstrap-admin".to_owned(),
        format!("partner:{other}"),
        format!("Partner:{partner}"),
        format!("partner:{partner} "),
        partner.clone(),
    ] {
        assert_eq!(
            issuer.verify(&token(&sub)),
            Err(AuthRejection::PartnerSubjectMismatch),
            "{sub}"
        );
    }
    let own = partner_subject(PartnerId::new(1));
    assert_eq!(issuer.verify(&token(&own)), Ok(()));
    let minted = issuer.keys.mint(
        "someone-else",
        "PARTNER",
        Some(&partner),
        Duration::minutes(5),
        Utc::now(),
    );
    assert!(minted.is_err(), "{minted:?}");
}
