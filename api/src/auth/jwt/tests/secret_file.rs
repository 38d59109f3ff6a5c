//! The generated HS256 secret file.

use super::*;

#[test]
fn the_secret_file_is_created_with_mode_0600_and_reused_on_second_load() {
    let fixture = Fixture::new();
    let data_dir = fixture.data_dir();
    let first = load_or_create_hs256_secret(&data_dir).expect("create the secret");
    assert_eq!(first.expose_secret().len(), HS256_SECRET_LEN);

    let path = data_dir.join(SECRET_FILE_NAME);
    let contents = fs::read_to_string(&path).expect("read the secret file");
    let decoded = STANDARD
        .decode(contents.trim())
        .expect("the file is base64");
    assert_eq!(decoded.as_slice(), first.expose_secret());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&path)
            .expect("stat the secret file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode is {:o}", mode & 0o777);
    }

    let second = load_or_create_hs256_secret(&data_dir).expect("reload the secret");
    assert_eq!(first.expose_secret(), second.expose_secret());

    let leftovers: Vec<String> = fs::read_dir(&data_dir)
        .expect("list the data directory")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec![SECRET_FILE_NAME.to_owned()]);
}

#[test]
fn two_data_directories_get_different_secrets() {
    let a = Fixture::new();
    let b = Fixture::new();
    let first = load_or_create_hs256_secret(&a.data_dir()).expect("create secret a");
    let second = load_or_create_hs256_secret(&b.data_dir()).expect("create secret b");
    assert_ne!(first.expose_secret(), second.expose_secret());
}

#[test]
fn a_corrupt_secret_file_is_an_error() {
    let short = STANDARD.encode([1_u8; 16]);
    let cases: [(&str, &[u8]); 4] = [
        ("garbage", b"this is not base64 at all!"),
        ("short", short.as_bytes()),
        ("empty", b""),
        ("binary", &[0xff, 0xfe, 0x00]),
    ];
    for (name, contents) in cases {
        let fixture = Fixture::new();
        let data_dir = fixture.data_dir();
        fs::create_dir_all(&data_dir).expect("create the data directory");
        let path = data_dir.join(SECRET_FILE_NAME);
        fs::write(&path, contents).expect("write the corrupt secret");

        let err = load_or_create_hs256_secret(&data_dir).expect_err(name);
        assert!(
            matches!(err, JwtError::CorruptSecret { .. }),
            "{name}: {err}"
        );
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{name}: {err}"
        );
        let after = fs::read(&path).expect("the file is still there");
        assert_eq!(after, contents, "{name}: the file was not regenerated");

        let load = JwtKeys::from_settings(&hs256_settings(), &data_dir);
        assert!(load.is_err(), "{name}: JwtKeys refuses to load");
    }
}

#[test]
fn a_longer_secret_file_is_accepted() {
    let fixture = Fixture::new();
    let data_dir = fixture.data_dir();
    fs::create_dir_all(&data_dir).expect("create the data directory");
    let long = [9_u8; 96];
    fs::write(data_dir.join(SECRET_FILE_NAME), STANDARD.encode(long)).expect("write");
    let secret = load_or_create_hs256_secret(&data_dir).expect("a 96-byte secret loads");
    assert_eq!(secret.expose_secret(), long.as_slice());
}
