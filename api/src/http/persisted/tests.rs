use std::io::Write as _;

use super::*;

const ME: &str = "query Me { me { id } }";
const OTHER: &str = "query Other { me { name } }";

fn apq() -> PersistedQueries {
    PersistedQueries::from_settings(&GraphqlSettings::default()).expect("defaults")
}

fn hash(text: &str) -> PersistedRef {
    PersistedRef(sha256_hex(text))
}

#[test]
fn sha256_is_lowercase_hex_of_the_text() {
    // `printf 'abc' | sha256sum`
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn an_unknown_hash_is_not_found_until_its_text_ran_once() {
    let pq = apq();
    assert_eq!(
        pq.resolve("", Some(&hash(ME)), Role::Viewer).unwrap_err(),
        Refusal::NotFound
    );
    let sent = pq
        .resolve(ME, Some(&hash(ME)), Role::Viewer)
        .expect("text with its hash");
    let (h, text) = sent.register.expect("to register");
    pq.register(h, text);
    let found = pq
        .resolve("", Some(&hash(ME)), Role::Viewer)
        .expect("by hash");
    assert!(found.by_hash);
    assert_eq!(found.query, ME);
}

#[test]
fn a_hash_that_is_not_the_querys_is_bad_input() {
    let err = apq()
        .resolve(ME, Some(&hash(OTHER)), Role::Viewer)
        .unwrap_err();
    assert!(matches!(
        err,
        Refusal::BadInput { field: "extensions.persistedQuery.sha256Hash", ref message }
            if message == "provided sha does not match query"
    ));
}

#[test]
fn with_automatic_persisted_queries_off_a_bare_hash_is_not_supported() {
    let pq = PersistedQueries::from_settings(&GraphqlSettings {
        apq_enabled: false,
        ..GraphqlSettings::default()
    })
    .expect("settings");
    assert_eq!(
        pq.resolve("", Some(&hash(ME)), Role::Viewer).unwrap_err(),
        Refusal::NotSupported
    );
    let ran = pq.resolve(ME, Some(&hash(ME)), Role::Viewer).expect("text");
    assert!(ran.register.is_none());
}

#[test]
fn trusted_mode_runs_registered_documents_only_and_per_role() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, docs: &[&str]| {
        let path = dir.path().join(name);
        let map: Map<String, Value> = docs
            .iter()
            .map(|d| (sha256_hex(d), Value::String((*d).to_owned())))
            .collect();
        let mut f = std::fs::File::create(&path).expect("file");
        f.write_all(Value::Object(map).to_string().as_bytes())
            .expect("write");
        path
    };
    let mut settings = GraphqlSettings {
        trusted_documents_only: true,
        trusted_documents: Some(write("all.json", &[ME, OTHER])),
        ..GraphqlSettings::default()
    };
    settings
        .trusted_documents_by_role
        .insert("partner".into(), write("partner.json", &[ME]));
    let pq = PersistedQueries::from_settings(&settings).expect("loads");
    for role in [Role::Admin, Role::Partner] {
        assert!(pq.resolve(ME, None, role).is_ok(), "{role}");
        assert!(pq.resolve("", Some(&hash(ME)), role).expect("hash").by_hash);
    }
    assert!(pq.resolve(OTHER, None, Role::Viewer).is_ok());
    assert_eq!(
        pq.resolve(OTHER, None, Role::Partner).unwrap_err(),
        Refusal::NotAllowed
    );
    assert_eq!(
        pq.resolve("", Some(&hash(OTHER)), Role::Partner)
            .unwrap_err(),
        Refusal::NotAllowed
    );
    let unknown = "query { me { email } }";
    assert_eq!(
        pq.resolve(unknown, Some(&hash(unknown)), Role::Admin)
            .unwrap_err(),
        Refusal::NotAllowed,
        "no registration in trusted mode"
    );
    assert_eq!(
        pq.resolve("", Some(&hash(unknown)), Role::Admin)
            .unwrap_err(),
        Refusal::NotAllowed
    );
}

#[test]
fn a_missing_documents_file_is_named_with_its_key() {
    let err = PersistedQueries::from_settings(&GraphqlSettings {
        trusted_documents_only: true,
        trusted_documents: Some("/nonexistent/docs.json".into()),
        ..GraphqlSettings::default()
    })
    .unwrap_err();
    assert!(
        err.starts_with("graphql.trusted_documents: /nonexistent/docs.json: cannot be read"),
        "{err}"
    );
}

#[test]
fn a_malformed_persisted_query_extension_names_its_field() {
    let params = |ext: Value| {
        let Value::Object(map) = json!({ "extensions": ext }) else {
            unreachable!()
        };
        reference(&map)
    };
    assert!(params(json!({})).expect("no pq").is_none());
    let field_of = |ext: Value| match params(ext) {
        Err(Refusal::BadInput { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field_of(json!({"persistedQuery": {"version": 2, "sha256Hash": sha256_hex(ME)}})),
        "extensions.persistedQuery.version"
    );
    assert_eq!(
        field_of(json!({"persistedQuery": {"version": 1, "sha256Hash": "abc"}})),
        "extensions.persistedQuery.sha256Hash"
    );
    assert_eq!(
        field_of(json!({"persistedQuery": "x"})),
        "extensions.persistedQuery"
    );
    let upper = sha256_hex(ME).to_ascii_uppercase();
    let ok = params(json!({"persistedQuery": {"version": 1, "sha256Hash": upper}}))
        .expect("ok")
        .expect("some");
    assert_eq!(ok.0, sha256_hex(ME));
}
