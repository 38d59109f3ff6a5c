//! The one-statement schema check, on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::time::Duration;

use rapport_migration::{Migrator, MigratorTrait};

use super::SchemaState;
use crate::store::{Store, StoreSettings};

fn names() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

async fn connect(url: &str) -> Store {
    Store::connect(&StoreSettings {
        url: url.to_owned(),
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected")
}

/// A fully migrated database: its URL, and the folder of its SQLite file.
async fn migrated() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::store::test_database_url(dir.path(), "s.db").await;
    let store = connect(&url).await;
    store.migrate().await.expect("migrated");
    store.close().await;
    (url, dir)
}

#[tokio::test]
async fn an_empty_database_is_behind_by_every_migration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::store::test_database_url(dir.path(), "s.db").await;
    let store = connect(&url).await;
    assert_eq!(
        store.schema_state().await.expect("checked"),
        SchemaState::Behind(names())
    );
}

#[tokio::test]
async fn starting_on_a_current_schema_checks_it_in_one_statement_and_migrates_nothing() {
    let (url, _dir) = migrated().await;
    let store = connect(&url).await;
    let before = store.statement_count();
    store.migrate().await.expect("nothing to do");
    let spent = store.statement_count() - before;
    // One read of the applied versions, one look for agreements whose sort columns are
    // unfilled. The migrator's own check ran eight (four `CREATE TABLE IF NOT EXISTS`).
    assert!(
        spent <= 2,
        "a current schema cost {spent} statements to check"
    );
    assert_eq!(
        store.schema_state().await.expect("checked"),
        SchemaState::Current
    );
}

#[tokio::test]
async fn a_database_missing_a_step_is_behind_by_that_step() {
    let (url, _dir) = migrated().await;
    let store = connect(&url).await;
    let last = names().pop().expect("at least one migration");
    store
        .execute_raw(&format!(
            "DELETE FROM seaql_migrations WHERE version = '{last}'"
        ))
        .await
        .expect("deleted");
    let state = store.schema_state().await.expect("checked");
    assert_eq!(state, SchemaState::Behind(vec![last.clone()]));
    let refusal = state.refusal().expect("a refusal");
    assert!(
        refusal.contains("behind") && refusal.contains(&last),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_rapport_is_ahead_and_migrate_refuses_it() {
    let (url, _dir) = migrated().await;
    let store = connect(&url).await;
    let newer = "m29991231_000999_from_a_newer_release";
    store
        .execute_raw(&format!(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{newer}', 0)"
        ))
        .await
        .expect("inserted");
    let state = store.schema_state().await.expect("checked");
    assert_eq!(state, SchemaState::Ahead(vec![newer.to_owned()]));
    let versions = store.count_rows("seaql_migrations").await.expect("counted");
    let refused = store.migrate().await.expect_err("refused");
    let message = format!("{refused:?}");
    assert!(
        message.contains("ahead") && message.contains(newer),
        "{message}"
    );
    assert_eq!(
        store.count_rows("seaql_migrations").await.expect("counted"),
        versions,
        "a refused migration changes nothing"
    );
}
