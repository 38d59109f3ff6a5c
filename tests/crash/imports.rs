//! Import jobs survive a crash: `rapport import --background` (built here as
//! `rapport-harness`) imports a contacts file as a job; the test SIGKILLs the process once
//! progress shows, checks that exactly the rows the job counts as done are in the database,
//! and runs `rapport import --follow JOB`, which takes the job up once the killed process's
//! lease expires. Every row is then in the database exactly once (by external id), and the
//! job's totals add up: every row created, none twice, none refused.
//!
//! 5,000 rows always; 100,000 rows in the ignored variant (several minutes in a debug build):
//! `cargo test -p rapport-tests --test crash imports:: -- --ignored` (with
//! `TEST_DATABASE_URL` for PostgreSQL).

use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rapport_domain::values::ExternalRef;
use rapport_tests::{TestApp, spawn_app_with};
use serde_json::json;

use super::database;

/// Short, so the next process takes the job up soon after the kill.
const LEASE_SECS: u64 = 2;

/// A process SIGKILLed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(dir: &Path, database_url: &str, log: &Path) -> Command {
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("the log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
    command
        .arg("import")
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("RAPPORT_DATA_DIR", dir.join("data"))
        .env("RAPPORT_LOG__FILTER", "warn")
        .env("RAPPORT_IMPORTS__LEASE_SECS", LEASE_SECS.to_string())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log));
    command
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

async fn contacts(app: &TestApp) -> i64 {
    app.gql("{ contacts(first: 1) { totalCount } }", json!({}))
        .await
        .ok()
        .data("/contacts/totalCount")
        .as_i64()
        .expect("a count")
}

async fn killed_import(rows: usize, limit: Duration) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, backend) = database(dir.path()).await;
    let url = database_url.clone();
    let app = spawn_app_with(move |s| s.database_url = Some(url)).await;
    let account = app
        .account_as(&app.admin_token.clone(), "Crash Imports", json!({}))
        .await;
    let file = dir.path().join("contacts.csv");
    let mut text = String::from("external_id,account_id,first_name,last_name,email\n");
    for n in 0..rows {
        text.push_str(&format!(
            "C{n},{account},Person{n},Crash,p{n}@imports.test\n"
        ));
    }
    std::fs::write(&file, text).expect("written");
    let log = dir.path().join("import.log");

    let mut first = Running(
        command(dir.path(), &database_url, &log)
            .args(["--kind", "contacts", "--source", "crash", "--background"])
            .arg(&file)
            .spawn()
            .expect("the import starts"),
    );
    // Kill once a few chunks are committed, well before the end.
    let kill_at = i64::try_from((rows / 5).max(1_000)).expect("small");
    let job = loop {
        assert!(
            started.elapsed() < limit,
            "no progress to kill at:\n{}",
            log_tail(&log)
        );
        if let Some(status) = first.0.try_wait().expect("status") {
            panic!(
                "the import ended before the kill ({status}):\n{}",
                log_tail(&log)
            );
        }
        let jobs = app.store.import_jobs(None, None, 1).await.expect("read");
        if let Some(job) = jobs.into_iter().next()
            && job.rows_done >= kill_at
        {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.0.kill().expect("SIGKILL");
    first.0.wait().expect("reaped");
    let at_kill = app
        .store
        .import_job(job.id)
        .await
        .expect("read")
        .expect("the job");
    let total = i64::try_from(rows).expect("small");
    assert_eq!(at_kill.state, "RUNNING", "{at_kill:?}");
    assert!(
        at_kill.rows_done < total,
        "killed mid-way: {} of {total} rows done",
        at_kill.rows_done
    );
    assert_eq!(
        contacts(&app).await,
        at_kill.rows_done,
        "the rows in the database are exactly those the job counts as done"
    );

    let follow = command(dir.path(), &database_url, &log)
        .args(["--follow", &job.id.to_string()])
        .spawn()
        .expect("the follower starts");
    let mut follow = Running(follow);
    let status = loop {
        if let Some(status) = follow.0.try_wait().expect("status") {
            break status;
        }
        assert!(
            started.elapsed() < limit,
            "the import did not finish in time:\n{}",
            log_tail(&log)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}:\n{}", log_tail(&log));
    let done = app
        .store
        .import_job(job.id)
        .await
        .expect("read")
        .expect("the job");
    assert_eq!(done.state, "SUCCEEDED", "{done:?}");
    assert_eq!(
        (done.rows_total, done.rows_done, done.created),
        (Some(total), total, total),
        "every row created once, none taken for an update of a row imported before the kill"
    );
    assert_eq!((done.updated, done.unchanged, done.refused), (0, 0, 0));
    assert_eq!(contacts(&app).await, total, "no contact twice");
    let refs: Vec<ExternalRef> = (0..rows)
        .map(|n| ExternalRef::parse("crash", &format!("C{n}")).expect("a ref"))
        .collect();
    let tx = app.store.begin().await.expect("tx");
    let found = tx.contacts_by_external(&refs).await.expect("read");
    drop(tx);
    assert_eq!(found.len(), rows, "every external id found");
    let distinct: std::collections::BTreeSet<i64> = found.values().map(|c| c.id().get()).collect();
    assert_eq!(distinct.len(), rows, "each external id its own contact");
    eprintln!(
        "{backend}: {rows} rows, killed at {} done, resumed and finished in {:.1} s",
        at_kill.rows_done,
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_mid_way_is_taken_up_by_the_next_process_and_imports_every_row_once() {
    Box::pin(killed_import(5_000, Duration::from_secs(300))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "100,000 rows: minutes in a debug build; run with --ignored"]
async fn a_100000_row_import_killed_mid_way_imports_every_row_exactly_once() {
    Box::pin(killed_import(100_000, Duration::from_secs(3_600))).await;
}
