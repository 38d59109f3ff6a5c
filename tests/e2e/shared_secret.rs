//! Two servers on one database, each with its own data folder: with the same `jwt.secret`
//! they accept each other's tokens; a server left to generate its own secret does not.

use base64::Engine as _;
use rapport_api::auth::jwt::SharedSecret;
use rapport_api::config::Settings;
use rapport_api::store::create_postgres_database;
use rapport_tests::{TestApp, spawn_app_with};
use serde_json::json;

fn random_secret() -> String {
    let bytes: Vec<u8> = (0..4)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One database for several servers: a fresh PostgreSQL database when `TEST_DATABASE_URL`
/// is set, else a SQLite file in `dir`.
async fn shared_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => {
            let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
            create_postgres_database(&server, &name)
                .await
                .expect("a test database")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("shared.db").display()),
    }
}

async fn server(url: &str, secret: Option<&str>) -> TestApp {
    let (url, secret) = (url.to_owned(), secret.map(SharedSecret::new));
    spawn_app_with(move |s: &mut Settings| {
        s.database_url = Some(url);
        s.jwt.secret = secret;
    })
    .await
}

async fn accepts(app: &TestApp, token: &str) -> bool {
    let res = app
        .gql_as(Some(token), "{ viewer { subject } }", json!({}))
        .await;
    res.status == 200 && res.body.pointer("/data/viewer/subject").is_some()
}

#[tokio::test]
async fn two_servers_on_one_database_with_one_shared_secret_accept_each_others_tokens() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = shared_database(dir.path()).await;
    let secret = random_secret();
    let first = server(&url, Some(&secret)).await;
    let second = server(&url, Some(&secret)).await;
    assert_ne!(first.data_dir.path(), second.data_dir.path());
    assert!(
        accepts(&second, &first.admin_token).await,
        "second refuses first's token"
    );
    assert!(
        accepts(&first, &second.admin_token).await,
        "first refuses second's token"
    );
    for app in [&first, &second] {
        assert!(
            !app.data_dir.path().join("jwt-secret").exists(),
            "no secret is generated when one is shared"
        );
    }

    let alone = server(&url, None).await;
    assert!(alone.data_dir.path().join("jwt-secret").exists());
    assert!(
        !accepts(&first, &alone.admin_token).await,
        "a token signed with another server's generated secret is refused"
    );
    assert!(!accepts(&alone, &first.admin_token).await);
}
