//! Which connections a store opens to PostgreSQL, seen from the server (`pg_stat_activity`,
//! `pg_stat_ssl`). Needs `TEST_DATABASE_URL`; skipped otherwise.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::store::{Store, StoreSettings, create_postgres_database};

async fn fresh_database() -> Option<(String, String)> {
    let Some(server) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        eprintln!("skipped: needs PostgreSQL (set TEST_DATABASE_URL)");
        return None;
    };
    let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
    let url = create_postgres_database(&server, &name)
        .await
        .expect("a test database");
    Some((server, url))
}

fn settings(url: &str) -> StoreSettings {
    StoreSettings {
        url: url.to_owned(),
        pool_size: 4,
        busy_timeout: Duration::from_secs(5),
    }
}

/// `(connections to the database, of which encrypted)`, asked through the test server's URL
/// (a connection of its own, to another database).
async fn connections(server: &str, url: &str) -> (i64, i64) {
    let name = url
        .split('?')
        .next()
        .and_then(|u| u.rsplit('/').next())
        .expect("a database name")
        .to_owned();
    let admin = Database::connect(server).await.expect("connected");
    let row = admin
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE s.ssl) AS tls \
             FROM pg_stat_activity a LEFT JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1",
            [name.into()],
        ))
        .await
        .expect("read")
        .expect("a row");
    let counts = (
        row.try_get::<i64>("", "n").expect("n"),
        row.try_get::<i64>("", "tls").expect("tls"),
    );
    let _ = admin.close().await;
    counts
}

#[tokio::test]
async fn the_connection_that_listens_for_authentication_changes_is_clear_on_loopback_too() {
    let Some((server, url)) = fresh_database().await else {
        return;
    };
    if std::env::var_os("PGSSLMODE").is_some() || url.contains("sslmode") {
        eprintln!("skipped: the test server URL or PGSSLMODE chooses a TLS mode");
        return;
    }
    let store = Store::connect(&settings(&url)).await.expect("connected");
    store.migrate().await.expect("migrated");
    store.watch_auth_changes(&settings(&url)).await;
    assert!(store.auth_cache().is_live(), "the listener is up");
    let (open, encrypted) = connections(&server, &url).await;
    assert!(
        open >= 2,
        "the pool's connection and the listener's: {open}"
    );
    assert_eq!(
        encrypted, 0,
        "no connection to a local PostgreSQL negotiates TLS unless the URL asks"
    );
}

#[tokio::test]
async fn a_lazily_opened_pool_connects_on_its_first_statement() {
    let Some((server, url)) = fresh_database().await else {
        return;
    };
    let lazy = Store::connect_lazily(&settings(&url))
        .await
        .expect("opened");
    assert_eq!(connections(&server, &url).await.0, 0, "nothing opened yet");
    lazy.ping().await.expect("the database answers");
    assert_eq!(connections(&server, &url).await.0, 1, "one, on demand");
}
