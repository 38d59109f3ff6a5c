//! Identity-provider settings: each wrong value is refused naming its setting.

use std::path::PathBuf;

use super::*;
use crate::auth::jwt::JwtError;

fn refused(settings: &JwtSettings) -> (&'static str, String) {
    match settings.validate() {
        Err(JwtError::InvalidSetting { setting, reason }) => (setting, reason),
        other => panic!("expected a refused setting, got {other:?}"),
    }
}

#[test]
fn good_provider_settings_pass() {
    provider_settings().validate().expect("valid");
    let http_loopback = JwtSettings {
        jwks_url: Some("http://127.0.0.1:8080/certs".into()),
        jwks_http_hosts: vec!["127.0.0.1".into()],
        ..provider_settings()
    };
    http_loopback.validate().expect("http to a listed host");
}

#[test]
fn each_wrong_provider_setting_is_refused_by_name() {
    let base = provider_settings();
    let cases: Vec<(JwtSettings, &str, &str)> = vec![
        (
            JwtSettings {
                jwks_url: Some("http://idp.example.test/certs".into()),
                ..base.clone()
            },
            "jwks_url",
            "plain http",
        ),
        (
            JwtSettings {
                jwks_url: Some("ftp://idp.example.test/certs".into()),
                ..base.clone()
            },
            "jwks_url",
            "not https",
        ),
        (
            JwtSettings {
                jwks_url: Some("not a url".into()),
                ..base.clone()
            },
            "jwks_url",
            "not a URL",
        ),
        (
            JwtSettings {
                provider_issuer: None,
                ..base.clone()
            },
            "provider_issuer",
            "required",
        ),
        (
            JwtSettings {
                provider_audience: Some(" ".into()),
                ..base.clone()
            },
            "provider_audience",
            "required",
        ),
        (
            JwtSettings {
                jwks_file: Some(PathBuf::from("/tmp/jwks.json")),
                ..base.clone()
            },
            "jwks_file",
            "cannot be combined",
        ),
        (
            JwtSettings {
                private_key_pem: Some(PathBuf::from("/tmp/key.pem")),
                ..base.clone()
            },
            "private_key_pem",
            "cannot be combined",
        ),
        (
            JwtSettings {
                algorithms: vec![JwtAlgorithm::HS256],
                ..base.clone()
            },
            "algorithms",
            "no asymmetric",
        ),
        (
            JwtSettings {
                jwks_refresh_seconds: 0,
                ..base.clone()
            },
            "jwks_refresh_seconds",
            "between 1",
        ),
        (
            JwtSettings {
                jwks_cache_seconds: 100_000,
                ..base.clone()
            },
            "jwks_cache_seconds",
            "between 1",
        ),
        (
            JwtSettings {
                jwks_stale_seconds: 8 * 86_400,
                ..base.clone()
            },
            "jwks_stale_seconds",
            "maximum",
        ),
        (
            JwtSettings {
                jwks_timeout_seconds: 0,
                ..base.clone()
            },
            "jwks_timeout_seconds",
            "between 1",
        ),
        (
            JwtSettings {
                role_map: [("admins".to_owned(), "ADMIN".to_owned())].into(),
                ..base.clone()
            },
            "role_map",
            "role_claim is not",
        ),
        (
            JwtSettings {
                role_claim: Some("groups".into()),
                role_map: [("partners".to_owned(), "PARTNER".to_owned())].into(),
                ..base.clone()
            },
            "role_map",
            "PARTNER",
        ),
        (
            JwtSettings {
                auto_provision: true,
                auto_provision_role: "OWNER".into(),
                ..base.clone()
            },
            "auto_provision_role",
            "not one of",
        ),
        (
            JwtSettings {
                subject_claim: String::new(),
                ..base.clone()
            },
            "subject_claim",
            "empty",
        ),
    ];
    for (settings, setting, words) in cases {
        let (named, reason) = refused(&settings);
        assert_eq!(named, setting, "{reason}");
        assert!(reason.contains(words), "{setting}: {reason}");
    }
}

#[test]
fn provider_settings_without_a_jwks_url_are_refused() {
    let settings = JwtSettings {
        auto_provision: true,
        ..JwtSettings::default()
    };
    let (setting, reason) = refused(&settings);
    assert_eq!(setting, "auto_provision");
    assert!(reason.contains("jwks_url is not"), "{reason}");
}

#[test]
fn provider_settings_parse_from_configuration() {
    let settings: JwtSettings = serde_json::from_value(serde_json::json!({
        "algorithms": ["HS256", "RS256"],
        "jwks_url": "https://login.example.test/.well-known/jwks.json",
        "provider_issuer": "https://login.example.test/",
        "provider_audience": "rapport",
        "role_claim": "groups",
        "role_map": {"crm-admins": "ADMIN"},
        "auto_provision": true,
    }))
    .expect("parse");
    settings.validate().expect("valid");
    assert_eq!(settings.role_map["crm-admins"], "ADMIN");
}
