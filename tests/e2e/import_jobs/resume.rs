//! Import jobs taken up where they stopped, their contacts synced in bulk, and the command
//! line's `--background` / `--follow`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use rapport_api::service::import_jobs::RunOutcome;
use rapport_integrations::Registry;
use rapport_integrations::testing::FakeProvider;
use rapport_tests::{spawn_app, spawn_app_with_providers};
use serde_json::json;

use super::{count, job, runner, start};

/// A contacts file of `n` rows for `account` (subscribed to marketing, so Mailchimp syncs
/// them), with row `repeat_at` (if any) repeating the external id of the first row.
fn contacts_file(account: &str, n: usize, repeat_at: Option<usize>) -> String {
    let mut file = String::from("external_id,account_id,first_name,email,marketing_consent\n");
    for i in 0..n {
        let ext = if Some(i) == repeat_at { 0 } else { i };
        file.push_str(&format!(
            "C{ext},{account},Person{i},p{i}@jobs.test,SUBSCRIBED\n"
        ));
    }
    file
}

#[tokio::test]
async fn a_job_let_go_mid_way_is_taken_up_where_it_stopped_and_imports_every_row_once() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let account = app.account_as(&token, "Acme", json!({})).await;
    // 1,200 rows: three chunks of 500; the last row repeats the first row's external id.
    let file = contacts_file(&account, 1_200, Some(1_199));
    let started = start(
        &app,
        &token,
        json!({"kind": "CONTACTS", "source": "crm"}),
        "contacts.csv",
        &file,
    )
    .await;
    let id = started["data"]["startImport"]["job"]["id"].clone();
    // The process is asked to stop once the first chunk committed: the second chunk's work
    // rolls back and the job is let go.
    let stop = AtomicBool::new(false);
    let first = runner(&app)
        .run_once_until(
            None,
            &|done, _| {
                if done >= 500 {
                    stop.store(true, Ordering::SeqCst);
                }
            },
            Some(&stop),
        )
        .await
        .expect("ran");
    assert!(matches!(first, Some(RunOutcome::LetGo(_))), "{first:?}");
    let half = job(&app, &token, &id).await;
    assert_eq!(
        (&half["state"], &half["rowsDone"], &half["created"]),
        (&json!("RUNNING"), &json!(500), &json!(500)),
        "{half}"
    );
    assert_eq!(
        count(&app, "contacts").await,
        500,
        "exactly the committed chunk"
    );

    let second = runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    assert!(matches!(second, Some(RunOutcome::Ended(_))), "{second:?}");
    let done = job(&app, &token, &id).await;
    assert_eq!(
        (
            &done["state"],
            &done["rowsDone"],
            &done["rowsTotal"],
            &done["created"],
            &done["refused"]
        ),
        (
            &json!("SUCCEEDED"),
            &json!(1_200),
            &json!(1_200),
            &json!(1_199),
            &json!(1)
        ),
        "{done}"
    );
    assert_eq!(
        done["firstErrors"][0]["line"], 1_201,
        "the repeat of a row imported before the restart is still a duplicate: {done}"
    );
    assert_eq!(done["firstErrors"][0]["field"], "external_id");
    assert_eq!(count(&app, "contacts").await, 1_199);
}

#[tokio::test]
async fn contacts_of_a_job_reach_a_bulk_provider_in_batch_calls_and_others_one_job_each() {
    use rapport_tests::mock::MailchimpMock;
    use rapport_tests::mock::mailchimp::routes;

    let mock = MailchimpMock::start().await;
    let provider = mock.provider();
    let limits = provider.limits();
    let fake = Arc::new(FakeProvider::new("fake"));
    let mut registry = Registry::default();
    registry
        .register(Arc::new(provider), limits)
        .expect("registered");
    registry
        .register(
            fake.clone(),
            rapport_integrations::ProviderLimits::default(),
        )
        .expect("registered");
    let app = spawn_app_with_providers(|_| {}, registry).await;
    let token = app.admin_token.clone();
    let account = app.account_as(&token, "Acme", json!({})).await;
    let file = contacts_file(&account, 30, None);
    let started = start(
        &app,
        &token,
        json!({"kind": "CONTACTS", "source": "crm"}),
        "contacts.csv",
        &file,
    )
    .await;
    assert!(
        started["data"]["startImport"]["job"]["id"].is_string(),
        "{started}"
    );
    runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    let providers = app
        .gql("{ syncProviders { name pendingJobs } }", json!({}))
        .await
        .ok();
    let pending: Vec<(String, i64)> = providers
        .data("/syncProviders")
        .as_array()
        .expect("providers")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["pendingJobs"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert!(
        pending.contains(&("mailchimp".to_owned(), 0)),
        "no job per contact for the bulk provider: {pending:?}"
    );
    assert!(
        pending.contains(&("fake".to_owned(), 30)),
        "one job per contact for the provider without a bulk API: {pending:?}"
    );
    let step = app.sync.resync_step(Utc::now()).await;
    assert_eq!((step.synced, step.bulk_calls), (30, 1), "{step:?}");
    let stats = mock.stats();
    assert_eq!(
        stats.on(routes::BATCH),
        1,
        "one batch subscribe for 30 contacts"
    );
    assert_eq!(stats.requests, 1, "and nothing else");
    assert_eq!(mock.members().len(), 30);
    assert_eq!(
        step.finished, 1,
        "the job's backfill ends with its last page"
    );
    assert!(
        fake.calls().is_empty(),
        "the backfill sent nothing to the provider without a bulk API"
    );
    app.sync_step(Utc::now()).await;
    assert_eq!(fake.upserts().len(), 30, "its jobs deliver one by one");
}

#[tokio::test]
async fn the_import_command_runs_a_background_job_and_follow_attaches_to_it() {
    let mut database_url = None;
    let app = rapport_tests::spawn_app_with(|s| database_url = s.database_url.clone()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("accounts.csv");
    std::fs::write(&file, "external_id,name\nA1,Acme\nA2,\n").expect("written");
    let report = dir.path().join("errors.csv");
    let run = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
        command
            .arg("import")
            .args(args)
            .env("RAPPORT_DATA_DIR", app.data_dir.path())
            .env("RAPPORT_LOG__FILTER", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("RAPPORT_DATABASE_URL");
        if let Some(url) = &database_url {
            command.env("DATABASE_URL", url);
        }
        let output = command.output().expect("rapport runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let path = file.display().to_string();
    let ran = run(&[
        "--kind",
        "accounts",
        "--source",
        "crm",
        "--background",
        &path,
        "--report",
        &report.display().to_string(),
    ]);
    assert!(ran.contains("import job"), "{ran}");
    assert!(
        ran.contains("SUCCEEDED: 2 rows") && ran.contains("1 created") && ran.contains("1 refused"),
        "{ran}"
    );
    assert!(
        ran.contains("line 3: REFUSED name: must not be blank"),
        "{ran}"
    );
    assert_eq!(
        std::fs::read_to_string(&report).expect("report"),
        "line,outcome,id,field,reason\n3,REFUSED,,name,must not be blank\n"
    );
    assert_eq!(count(&app, "accounts").await, 1);
    let jobs = app
        .gql("{ importJobs { nodes { id } } }", json!({}))
        .await
        .ok();
    let id = jobs
        .data("/importJobs/nodes/0/id")
        .as_str()
        .expect("id")
        .to_owned();
    let followed = run(&["--follow", &id]);
    assert!(followed.contains("SUCCEEDED: 2 rows"), "{followed}");
}
