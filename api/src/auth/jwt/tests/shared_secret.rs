//! The shared HS256 secret of a fleet: `secret` (`RAPPORT_JWT__SECRET`) or `secret_file`.

use super::*;

/// Base64 of 64 random bytes, as `openssl rand -base64 64` gives.
fn random_secret() -> String {
    let bytes: Vec<u8> = (0..4)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    STANDARD.encode(bytes)
}

fn with_secret(secret: &str) -> JwtSettings {
    JwtSettings {
        secret: Some(SharedSecret::new(secret)),
        ..JwtSettings::default()
    }
}

fn error_of(settings: &JwtSettings, data_dir: &std::path::Path) -> String {
    match JwtKeys::from_settings(settings, data_dir) {
        Ok(keys) => panic!("expected a load error, got {keys:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn two_processes_with_their_own_data_dirs_accept_each_others_tokens_with_a_shared_secret() {
    let (a, b) = (Fixture::new(), Fixture::new());
    let settings = with_secret(&random_secret());
    let (first, second) = (a.keys(&settings), b.keys(&settings));
    let (token, _, _) = mint_viewer(&first);
    second
        .verify_authorization_header(&bearer(&token))
        .expect("the other process accepts the token");
    let (back, _, _) = mint_viewer(&second);
    first
        .verify_authorization_header(&bearer(&back))
        .expect("and the other way round");
    for fixture in [&a, &b] {
        assert!(
            !fixture.data_dir().join(SECRET_FILE_NAME).exists(),
            "no secret is generated when one is configured"
        );
    }
}

#[test]
fn without_a_shared_secret_each_data_dir_generates_its_own_and_refuses_the_others_tokens() {
    let (a, b) = (Fixture::new(), Fixture::new());
    let (first, second) = (a.keys(&hs256_settings()), b.keys(&hs256_settings()));
    let (token, _, _) = mint_viewer(&first);
    assert_eq!(
        second.verify_authorization_header(&bearer(&token)),
        Err(AuthRejection::InvalidSignature)
    );
    assert!(a.data_dir().join(SECRET_FILE_NAME).exists());
}

#[test]
fn a_secret_file_holding_a_copy_of_a_generated_secret_keeps_its_tokens_valid() {
    let single = Fixture::new();
    let keys = single.keys(&hs256_settings());
    let (token, _, _) = mint_viewer(&keys);
    let generated =
        fs::read_to_string(single.data_dir().join(SECRET_FILE_NAME)).expect("the generated file");

    let replica = Fixture::new();
    let settings = JwtSettings {
        secret_file: Some(replica.write("mounted-secret", &generated)),
        ..JwtSettings::default()
    };
    replica
        .keys(&settings)
        .verify_authorization_header(&bearer(&token))
        .expect("a replica given the file accepts the old tokens");
    let from_env = with_secret(generated.trim());
    Fixture::new()
        .keys(&from_env)
        .verify_authorization_header(&bearer(&token))
        .expect("and so does one given the same value in jwt.secret");
}

#[test]
fn openssl_output_with_line_breaks_or_without_padding_is_the_same_key() {
    let secret = random_secret();
    let wrapped = format!("{}\n{}\n", &secret[..64], &secret[64..]);
    let unpadded = secret.trim_end_matches('=').to_owned();
    let fixture = Fixture::new();
    let (token, _, _) = mint_viewer(&fixture.keys(&with_secret(&secret)));
    for value in [wrapped, unpadded] {
        Fixture::new()
            .keys(&with_secret(&value))
            .verify_authorization_header(&bearer(&token))
            .expect("the same bytes, the same key");
    }
}

#[test]
fn a_short_weak_empty_or_non_base64_secret_is_refused_naming_the_setting_but_not_the_value() {
    let short = STANDARD.encode(
        [7_u8; 32]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ i as u8)
            .collect::<Vec<u8>>(),
    );
    let repeated = STANDARD.encode([b'A'; 96]);
    let patterned = STANDARD.encode(b"abcdefgh".repeat(12));
    let cases = [
        ("short", short.as_str(), "too short"),
        ("repeated", repeated.as_str(), "too weak"),
        ("patterned", patterned.as_str(), "too weak"),
        ("empty", "", "is empty"),
        ("not base64", "correct horse battery staple!!", "not base64"),
        ("a password", "hunter2", "not base64"),
    ];
    let fixture = Fixture::new();
    for (name, value, reason) in cases {
        let settings = with_secret(value);
        let message = settings.validate().expect_err(name).to_string();
        assert!(message.contains("`secret`"), "{name}: {message}");
        assert!(message.contains("RAPPORT_JWT__SECRET"), "{name}: {message}");
        assert!(message.contains(reason), "{name}: {message}");
        assert!(
            message.contains("openssl rand -base64 64"),
            "{name}: {message}"
        );
        if !value.is_empty() {
            assert!(
                !message.contains(value),
                "{name}: the value leaked: {message}"
            );
        }
        assert_eq!(error_of(&settings, &fixture.data_dir()), message, "{name}");
    }
}

#[test]
fn a_weak_secret_file_is_refused_naming_the_setting_and_the_file() {
    let fixture = Fixture::new();
    let path = fixture.write("weak", &STANDARD.encode([b'x'; 80]));
    let settings = JwtSettings {
        secret_file: Some(path.clone()),
        ..JwtSettings::default()
    };
    let message = error_of(&settings, &fixture.data_dir());
    assert!(message.contains("`secret_file`"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("too weak"), "{message}");

    let missing = JwtSettings {
        secret_file: Some(fixture.dir.path().join("absent")),
        ..JwtSettings::default()
    };
    let message = error_of(&missing, &fixture.data_dir());
    assert!(message.contains("jwt.secret_file"), "{message}");
    assert!(
        !fixture.data_dir().join(SECRET_FILE_NAME).exists(),
        "a missing shared secret never falls back to generating one"
    );
}

#[test]
fn setting_both_the_secret_and_the_secret_file_is_refused() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        secret: Some(SharedSecret::new(random_secret())),
        secret_file: Some(fixture.write("mounted", &random_secret())),
        ..JwtSettings::default()
    };
    let message = settings.validate().expect_err("both set").to_string();
    assert!(message.contains("jwt.secret"), "{message}");
    assert!(message.contains("jwt.secret_file"), "{message}");
    assert!(message.contains("exactly one"), "{message}");
}

#[test]
fn a_shared_secret_without_hs256_pinned_is_refused() {
    let fixture = Fixture::new();
    let settings = JwtSettings {
        secret: Some(SharedSecret::new(random_secret())),
        ..fixture.rs256_settings(&[JwtAlgorithm::RS256])
    };
    let message = settings
        .validate()
        .expect_err("HS256 not pinned")
        .to_string();
    assert!(message.contains("`secret`"), "{message}");
    assert!(message.contains("HS256"), "{message}");
}

#[test]
fn the_secret_never_appears_in_debug_output_or_serialized_settings() {
    let secret = random_secret();
    let settings = crate::config::Settings {
        jwt: with_secret(&secret),
        ..crate::config::Settings::default()
    };
    let debug = format!("{settings:?}");
    assert!(!debug.contains(&secret), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
    let serialized = serde_json::to_string(&settings).expect("serialize");
    assert!(!serialized.contains(&secret), "{serialized}");
    let keys = Fixture::new().keys(&settings.jwt);
    assert!(!format!("{keys:?}").contains(&secret));
}

#[test]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail fixes the closure's error type"
)]
fn rapport_jwt_secret_in_the_environment_sets_the_shared_secret() {
    let secret = random_secret();
    figment::Jail::expect_with(|jail| {
        jail.set_env("RAPPORT_JWT__SECRET", &secret);
        let settings = crate::config::Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(settings.jwt.secret, Some(SharedSecret::new(secret.clone())));
        jail.set_env("RAPPORT_JWT__SECRET", "too-short");
        let err = crate::config::Settings::load(None).expect_err("a weak secret");
        assert!(err.to_string().contains("`secret`"), "{err}");
        jail.set_env("RAPPORT_JWT__SECRET", &secret);
        jail.set_env("RAPPORT_JWT__SECRET_FILE", "/run/secrets/jwt");
        let err = crate::config::Settings::load(None).expect_err("both set");
        assert!(err.to_string().contains("exactly one"), "{err}");
        Ok(())
    });
}
