//! `rapport backup` and `rapport restore`: a consistent copy of a serving SQLite database,
//! restored into a data folder a new server then starts on; the refusals an operator meets.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use rapport_api::config::Settings;
use rapport_api::store::check_sqlite_file;
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use serde_json::json;

fn settings_of(app: &TestApp) -> Settings {
    Settings {
        data_dir: app.data_dir.path().to_path_buf(),
        ..Settings::default()
    }
}

/// The accounts among `ids` that `app` knows.
async fn known(app: &TestApp, ids: &[String]) -> usize {
    let mut found = 0;
    for chunk in ids.chunks(50) {
        // Unknown ids answer null with a NOT_FOUND error each.
        let page = app
            .gql(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({"ids": chunk}),
            )
            .await;
        found += page
            .data("/nodes")
            .as_array()
            .map_or(0, |nodes| nodes.iter().filter(|n| !n.is_null()).count());
    }
    found
}

#[tokio::test]
async fn a_backup_taken_while_writes_go_on_holds_every_row_committed_before_it_began() {
    let app = spawn_app().await;
    if app.backend == "postgres" {
        // PostgreSQL has its own tools; the command says which instead of copying anything.
        let mut settings = settings_of(&app);
        settings.database_url = std::env::var("TEST_DATABASE_URL").ok();
        let out = tempfile::tempdir().expect("temp dir");
        let err = rapport_api::ops::backup(&settings, &out.path().join("copy.db"), false)
            .await
            .expect_err("a PostgreSQL database is not copied");
        let message = format!("{err:#}");
        assert!(
            message.contains("pg_dump") && message.contains("pg_basebackup"),
            "{message}"
        );
        assert!(!out.path().join("copy.db").exists());
        return;
    }
    // A database worth copying: the copy takes long enough for writes to land during it.
    rapport_api::service::seed_demo_data(&app.store, &[], 20, 3_000, Utc::now(), |_| {})
        .await
        .expect("seeded");
    let app = Arc::new(app);
    let committed = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (app, committed, stop) = (app.clone(), committed.clone(), stop.clone());
        async move {
            let token = app.admin_token.clone();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = app
                    .account_as(&token, &format!("Written {n}"), json!({}))
                    .await;
                committed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(id);
                n += 1;
            }
        }
    });
    let count = |c: &Mutex<Vec<String>>| c.lock().unwrap_or_else(PoisonError::into_inner).len();
    while count(&committed) < 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Every write answered so far was committed before the backup begins.
    let before: Vec<String> = committed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("rapport-backup.db");
    let report = rapport_api::ops::backup(&settings_of(&app), &file, false)
        .await
        .expect("backup while serving");
    let during = count(&committed) - before.len();
    // Writes go on after the copy too, until the writer is told to stop.
    while count(&committed) < before.len() + during + 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("writer");
    assert_eq!(report.file, file);
    assert!(report.migrations > 0, "{report:?}");

    let check = check_sqlite_file(&file).await.expect("copy readable");
    assert_eq!(
        check.integrity,
        ["ok"],
        "PRAGMA integrity_check of the copy"
    );
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&file).expect("copy").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the copy holds personal data");

    // Restored into an empty data folder, a new server starts on the copy.
    let restored = tempfile::tempdir().expect("temp dir");
    let data = restored.path().join("data");
    let into = Settings {
        data_dir: data.clone(),
        ..Settings::default()
    };
    let done = rapport_api::ops::restore(&into, &file, false)
        .await
        .expect("restore into an empty folder");
    assert_eq!(done.database, data.join("rapport.db"));
    assert_eq!(done.kept, None);
    let second = spawn_app_with(|s| s.data_dir = data.clone()).await;
    assert_eq!(
        known(&second, &before).await,
        before.len(),
        "every account committed before the backup began is in the copy ({during} more were \
         written while it ran)"
    );
    assert_eq!(
        second.store.count_rows("contacts").await.expect("count"),
        3_000
    );
    let all = committed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let copied = known(&second, &all).await;
    assert!(
        copied < all.len(),
        "accounts written after the backup ended are not in it ({copied} of {})",
        all.len()
    );
}

#[tokio::test]
async fn a_restore_is_refused_while_a_server_has_the_database_open() {
    let app = spawn_app().await;
    if app.backend == "postgres" {
        // SQLite only: the PostgreSQL refusal is covered by the first test and the command test.
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("copy.db");
    rapport_api::ops::backup(&settings_of(&app), &file, false)
        .await
        .expect("backup");
    let err = rapport_api::ops::restore(&settings_of(&app), &file, true)
        .await
        .expect_err("the server holds the database");
    let message = format!("{err:#}");
    assert!(
        message.contains("has") && message.contains("open") && message.contains("stop"),
        "{message}"
    );
    assert!(
        app.data_dir.path().join("rapport.db").exists(),
        "the database in use is untouched"
    );
}

/// The lock a restore checks lives as long as the database is open in this process, not as
/// long as the process: a process that opens and closes many databases (a test run, a tool)
/// keeps no lock file of a database it closed. SQLite whatever `TEST_DATABASE_URL` says (the
/// lock exists only for SQLite files).
#[tokio::test]
async fn a_database_whose_last_store_is_dropped_is_free_to_restore() {
    let data = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        data_dir: data.path().to_path_buf(),
        ..Settings::default()
    };
    let store = rapport_api::startup::open_store(&settings, true)
        .await
        .expect("open and migrate");
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("copy.db");
    rapport_api::ops::backup(&settings, &file, false)
        .await
        .expect("backup");
    let clone = store.clone();
    drop(store);
    rapport_api::ops::restore(&settings, &file, true)
        .await
        .expect_err("a clone of the store still has the database open");
    drop(clone);
    rapport_api::ops::restore(&settings, &file, true)
        .await
        .expect("no store has the database open any more");
}

#[tokio::test]
async fn a_restore_over_an_existing_database_needs_force_and_keeps_the_old_one() {
    let app = spawn_app().await;
    if app.backend == "postgres" {
        // SQLite only: the PostgreSQL refusal is covered by the first test and the command test.
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("copy.db");
    rapport_api::ops::backup(&settings_of(&app), &file, false)
        .await
        .expect("backup");
    // A stopped installation: a database file nobody has open.
    let data = out.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    std::fs::copy(&file, data.join("rapport.db")).expect("old database");
    let into = Settings {
        data_dir: data.clone(),
        ..Settings::default()
    };
    let err = rapport_api::ops::restore(&into, &file, false)
        .await
        .expect_err("an existing database is not replaced silently");
    assert!(format!("{err:#}").contains("--force"), "{err:#}");
    let done = rapport_api::ops::restore(&into, &file, true)
        .await
        .expect("replaced with --force");
    let kept = done.kept.expect("the old database is kept");
    assert!(kept.exists(), "{}", kept.display());
    assert!(data.join("rapport.db").exists());
}

#[tokio::test]
async fn a_restore_refuses_a_file_that_is_not_a_rapport_database() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("notes.db");
    std::fs::write(&file, b"not a database at all").expect("written");
    let into = Settings {
        data_dir: out.path().join("data"),
        ..Settings::default()
    };
    let err = rapport_api::ops::restore(&into, &file, false)
        .await
        .expect_err("refused");
    assert!(format!("{err:#}").contains("notes.db"), "{err:#}");
    assert!(!out.path().join("data").join("rapport.db").exists());
}

fn rapport(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
    command
        .args(args)
        .env("RAPPORT_DATA_DIR", data_dir)
        .env("RAPPORT_LOG__FILTER", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("RAPPORT_DATABASE_URL");
    if let Some(url) = database_url {
        command.env("RAPPORT_DATABASE_URL", url);
    }
    let output = command.output().expect("rapport runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_backup_command_refuses_to_overwrite_and_names_pg_dump_for_postgres() {
    let app = spawn_app().await;
    if app.backend == "postgres" {
        // SQLite only: the PostgreSQL refusal is covered by the first test and the command test.
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("copy.db");
    let target = file.display().to_string();
    let (ok, stderr) = rapport(app.data_dir.path(), None, &["backup", &target]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("integrity check ok"), "{stderr}");
    let (ok, stderr) = rapport(app.data_dir.path(), None, &["backup", &target]);
    assert!(
        !ok && stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    let (ok, stderr) = rapport(app.data_dir.path(), None, &["backup", "--force", &target]);
    assert!(ok, "{stderr}");
    let (ok, stderr) = rapport(
        app.data_dir.path(),
        Some("postgres://rapport@db.internal:5432/rapport"),
        &["backup", &target],
    );
    assert!(!ok && stderr.contains("pg_dump"), "{stderr}");
    assert!(stderr.contains("pg_basebackup"), "{stderr}");
}
