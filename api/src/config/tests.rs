//! Loading settings from defaults, a file and the environment, and refusing bad ones by name.

use super::*;

#[test]
fn sync_settings_a_worker_cannot_run_with_are_refused_by_name() {
    let worker = SyncSettings::default()
        .worker_config("w".to_owned())
        .expect("defaults are valid");
    assert_eq!(worker.batch_size, 50);
    let short_lease = SyncSettings {
        lease_secs: 30,
        call_timeout_secs: 30,
        ..SyncSettings::default()
    };
    let err = short_lease.worker_config("w".to_owned()).unwrap_err();
    assert!(
        err.contains("sync.lease_secs (30) must exceed sync.call_timeout_secs (30)"),
        "{err}"
    );
    let no_batch = SyncSettings {
        batch_size: 0,
        ..SyncSettings::default()
    };
    assert!(
        no_batch
            .worker_config("w".to_owned())
            .unwrap_err()
            .contains("sync.batch_size")
    );
}

#[test]
fn defaults_serve_sqlite_in_the_data_folder_on_port_8080() {
    let s = Settings::default();
    assert_eq!(s.http.port, 8080);
    assert_eq!(s.http.host, "127.0.0.1");
    assert!(s.database_url().starts_with("sqlite://data/rapport.db"));
    assert!(s.validate().is_ok());
}

#[test]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail fixes the closure's error type"
)]
fn the_environment_overrides_the_file_which_overrides_the_defaults() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "rapport.toml",
            "data_dir = \"/srv/rapport\"\n[http]\nport = 9000\nhost = \"0.0.0.0\"\n[graphql]\nintrospection = false\n",
        )?;
        jail.set_env("RAPPORT_HTTP__PORT", "9100");
        jail.set_env("DATABASE_URL", "postgres://rapport@db/rapport");
        let s = Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(s.http.port, 9100, "env beats the file");
        assert_eq!(s.http.host, "0.0.0.0", "the file beats the defaults");
        assert_eq!(s.data_dir, PathBuf::from("/srv/rapport"));
        assert!(!s.graphql.introspection);
        assert_eq!(s.database_url(), "postgres://rapport@db/rapport");
        assert_eq!(
            s.graphql.max_depth, 12,
            "untouched keys keep their defaults"
        );
        Ok(())
    });
}

#[test]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail fixes the closure's error type"
)]
fn an_unknown_key_or_a_bad_value_is_refused_naming_it() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("rapport.toml", "[http]\nprot = 9000\n")?;
        let err = Settings::load(None).expect_err("unknown key");
        assert!(err.to_string().contains("prot"), "{err}");
        jail.create_file("rapport.toml", "")?;
        jail.set_env("RAPPORT_JWT__LEEWAY_SECONDS", "120");
        let err = Settings::load(None).expect_err("leeway too large");
        assert!(err.to_string().contains("leeway"), "{err}");
        Ok(())
    });
}

#[test]
fn a_missing_config_file_named_explicitly_is_an_error() {
    let err =
        Settings::load(Some(Path::new("/nonexistent/rapport.toml"))).expect_err("missing file");
    assert!(err.to_string().contains("does not exist"));
}
