//! A server serves only the schema it was built for: pending migrations are applied when it
//! may migrate and refused when it may not; a schema migrated by a newer release is refused.

use crate::config::Settings;
use crate::startup::Application;
use crate::store::{SchemaState, create_postgres_database};

/// Settings for a server on port 0 with its own fresh database (PostgreSQL when
/// `TEST_DATABASE_URL` is set), background work off.
async fn settings(dir: &std::path::Path) -> Settings {
    let mut settings = Settings {
        data_dir: dir.to_path_buf(),
        ..Settings::default()
    };
    settings.http.port = 0;
    settings.http.workers = 1;
    settings.scheduler.interval_secs = 0;
    settings.sync.run_in_server = false;
    settings.events.relay_in_server = false;
    if let Ok(server) = std::env::var("TEST_DATABASE_URL")
        && !server.trim().is_empty()
    {
        let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
        let url = create_postgres_database(&server, &name)
            .await
            .expect("a test database");
        settings.database_url = Some(url);
    }
    settings
}

/// Starts once (migrating), changes the recorded migrations with `sql`, and tries to start
/// again with `database.migrate_on_start = migrate`. Also returns how the schema compares
/// after the change.
async fn start_after(sql: &str, migrate: bool) -> (anyhow::Result<Application>, SchemaState) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = settings(dir.path()).await;
    let first = Application::build(settings.clone())
        .await
        .expect("the first start migrates");
    first.store().execute_raw(sql).await.expect("tampered");
    let state = first.store().schema_state().await.expect("checked");
    settings.database.migrate_on_start = migrate;
    (Application::build(settings).await, state)
}

#[tokio::test]
async fn a_server_that_may_not_migrate_serves_a_current_schema() {
    let (started, state) = Box::pin(start_after("SELECT 1", false)).await;
    assert_eq!(state, SchemaState::Current);
    assert!(started.is_ok(), "{:?}", started.err());
}

#[tokio::test]
async fn a_server_that_may_not_migrate_refuses_a_schema_with_a_pending_migration() {
    let (started, state) = Box::pin(start_after(
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
        false,
    ))
    .await;
    let SchemaState::Behind(pending) = state else {
        panic!("the last step was unrecorded: {state:?}");
    };
    let refused = started.expect_err("a schema behind this release is refused");
    let message = format!("{refused:#}");
    assert!(
        message.contains("behind")
            && message.contains(&pending[0])
            && message.contains("rapport migrate"),
        "{message}"
    );
}

#[tokio::test]
async fn a_server_refuses_a_schema_migrated_by_a_newer_release_whether_or_not_it_may_migrate() {
    let newer = "m29991231_000999_from_a_newer_release";
    let insert =
        format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{newer}', 0)");
    for migrate in [true, false] {
        let (started, state) = Box::pin(start_after(&insert, migrate)).await;
        assert_eq!(state, SchemaState::Ahead(vec![newer.to_owned()]));
        let refused = started.expect_err("a schema ahead of this release is refused");
        let message = format!("{refused:#}");
        assert!(
            message.contains("ahead") && message.contains(newer),
            "migrate_on_start = {migrate}: {message}"
        );
    }
}
