//! Import jobs: `startImport` answers a QUEUED job at once; a runner step (what the server's
//! and `rapport worker`'s job loops run) imports it chunk by chunk; `importJob` / `importJobs`
//! show progress and totals to who started it and to admins; the full error report downloads
//! as CSV; a job let go mid-way is taken up where it stopped, every row once; contacts reach a
//! bulk provider through batch calls; and `rapport import --background` / `--follow`.

use std::time::Duration;

use rapport_api::service::import_jobs::{JobRunner, RunOutcome};
use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

mod kinds;
mod resume;

const START: &str = "mutation($input: ImportRecordsInput!) { startImport(input: $input) { job { \
    id state rowsDone rowsTotal } } }";
const JOB: &str = "query($id: ID!) { importJob(id: $id) { id kind format fileName dryRun state \
    rowsTotal rowsDone created updated unchanged refused firstErrors { line field reason } error \
    errorReportUrl startedBy startedAt finishedAt } }";

/// POSTs `START` as a multipart request (`file` named `name`) with `token`.
pub(super) async fn start(
    app: &TestApp,
    token: &str,
    input: Value,
    name: &str,
    file: &str,
) -> Value {
    let boundary = "rapport-test-boundary-5c2e";
    let mut input = input;
    input["file"] = Value::Null;
    let operations = json!({"query": START, "variables": {"input": input}});
    let map = json!({"0": ["variables.input.file"]});
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    app.client()
        .post(format!("{}/graphql", app.address))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

pub(super) fn runner(app: &TestApp) -> JobRunner {
    JobRunner::new(
        app.store.clone(),
        app.sync.registry().clone(),
        Duration::from_secs(60),
    )
}

pub(super) async fn job(app: &TestApp, token: &str, id: &Value) -> Value {
    app.gql_as(Some(token), JOB, json!({"id": id}))
        .await
        .ok()
        .data("/importJob")
        .clone()
}

pub(super) async fn count(app: &TestApp, list: &str) -> i64 {
    app.gql(
        &format!("{{ {list}(first: 1) {{ totalCount }} }}"),
        json!({}),
    )
    .await
    .ok()
    .data(&format!("/{list}/totalCount"))
    .as_i64()
    .expect("count")
}

async fn error_report(app: &TestApp, token: &str, url: &str) -> (u16, String, String) {
    let res = app
        .client()
        .get(format!("{}{url}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, disposition, res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_started_import_answers_at_once_and_a_runner_step_imports_it_with_totals_and_an_error_report()
 {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let file = "external_id,name,domain\nA1,Acme,acme.test\nA2,,x.test\nA3,Globex,globex.test\nA4,=HYPERLINK(1),\n";
    let started = start(
        &app,
        &token,
        json!({"kind": "ACCOUNTS", "source": "crm"}),
        "accounts.csv",
        file,
    )
    .await;
    let queued = &started["data"]["startImport"]["job"];
    assert_eq!(queued["state"], "QUEUED", "{started}");
    assert_eq!(queued["rowsDone"], 0);
    assert_eq!(count(&app, "accounts").await, 0, "nothing imported yet");

    let outcome = runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    assert!(matches!(outcome, Some(RunOutcome::Ended(_))), "{outcome:?}");
    let done = job(&app, &token, &queued["id"]).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    assert_eq!(
        (
            &done["rowsTotal"],
            &done["rowsDone"],
            &done["created"],
            &done["refused"]
        ),
        (&json!(4), &json!(4), &json!(3), &json!(1)),
        "{done}"
    );
    assert_eq!(
        done["firstErrors"],
        json!([{"line": 3, "field": "name", "reason": "must not be blank"}])
    );
    assert_eq!(
        (
            &done["kind"],
            &done["format"],
            &done["fileName"],
            &done["dryRun"]
        ),
        (
            &json!("ACCOUNTS"),
            &json!("CSV"),
            &json!("accounts.csv"),
            &json!(false)
        )
    );
    assert!(done["finishedAt"].is_string() && done["startedAt"].is_string());
    assert_eq!(count(&app, "accounts").await, 3);

    let url = done["errorReportUrl"].as_str().expect("url");
    let (status, disposition, csv) = error_report(&app, &token, url).await;
    assert_eq!(status, 200, "{csv}");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(
        csv,
        "line,outcome,id,field,reason\n3,REFUSED,,name,must not be blank\n"
    );
    let listed = app
        .gql(
            "{ importJobs(first: 5) { nodes { id state } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        listed.data("/importJobs/nodes"),
        &json!([{"id": queued["id"], "state": "SUCCEEDED"}])
    );
    let node = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on ImportJob { state } } }",
            json!({"id": queued["id"]}),
        )
        .await
        .ok();
    assert_eq!(node.data("/node/state"), "SUCCEEDED");
    assert!(
        runner(&app)
            .run_once(None, &|_, _| {})
            .await
            .expect("ran")
            .is_none(),
        "an ended job is never run again"
    );
}

#[tokio::test]
async fn an_import_job_is_seen_by_who_started_it_and_by_admins_only() {
    let app = spawn_app().await;
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let (_, other) = app.member("ACCOUNT_MANAGER").await;
    let started = start(
        &app,
        &manager,
        json!({"kind": "ACCOUNTS"}),
        "accounts.csv",
        "name\n\n",
    )
    .await;
    let id = started["data"]["startImport"]["job"]["id"].clone();
    assert!(id.is_string(), "{started}");
    assert_eq!(job(&app, &manager, &id).await["state"], "QUEUED");
    assert_eq!(
        job(&app, &app.admin_token.clone(), &id).await["state"],
        "QUEUED"
    );
    assert_eq!(
        job(&app, &other, &id).await,
        Value::Null,
        "another member finds nothing"
    );
    let theirs = app
        .gql_as(Some(&other), "{ importJobs { nodes { id } } }", json!({}))
        .await
        .ok();
    assert_eq!(theirs.data("/importJobs/nodes"), &json!([]));
    let cancel = app
        .gql_as(
            Some(&other),
            "mutation($id: ID!) { cancelImport(input: {jobId: $id}) { job { state } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(cancel.error_code(), Some("NOT_FOUND"), "{:?}", cancel.body);
    let url = format!("/imports/{}/errors.csv", id.as_str().expect("id"));
    assert_eq!(error_report(&app, &other, &url).await.0, 404);
    assert_eq!(error_report(&app, &manager, &url).await.0, 200);
    assert_eq!(error_report(&app, "not-a-token", &url).await.0, 401);
    let (_, partner) = app.partner("Resellers Ltd").await;
    let refused = start(
        &app,
        &partner,
        json!({"kind": "ACCOUNTS"}),
        "accounts.csv",
        "name\nAcme\n",
    )
    .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}

#[tokio::test]
async fn bad_options_are_refused_at_once_and_an_unreadable_file_fails_the_job_with_the_reason() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let refused = start(
        &app,
        &token,
        json!({"kind": "ACCOUNTS", "matchBy": ["EMAIL"]}),
        "accounts.csv",
        "name\nAcme\n",
    )
    .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "match",
        "{refused}"
    );
    let jobs = app
        .gql("{ importJobs { nodes { id } } }", json!({}))
        .await
        .ok();
    assert_eq!(jobs.data("/importJobs/nodes"), &json!([]), "nothing stored");

    let started = start(
        &app,
        &token,
        json!({"kind": "ACCOUNTS"}),
        "accounts.csv",
        "name,Shoe size\nAcme,9\n",
    )
    .await;
    let id = started["data"]["startImport"]["job"]["id"].clone();
    runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    let failed = job(&app, &token, &id).await;
    assert_eq!(failed["state"], "FAILED", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains("unknown columns: Shoe size")),
        "{failed}"
    );
    assert_eq!(count(&app, "accounts").await, 0);
}

#[tokio::test]
async fn a_cancelled_job_is_not_run_and_an_ended_job_cannot_be_cancelled() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let started = start(
        &app,
        &token,
        json!({"kind": "ACCOUNTS"}),
        "accounts.csv",
        "name\nAcme\n",
    )
    .await;
    let id = started["data"]["startImport"]["job"]["id"].clone();
    let cancel =
        "mutation($id: ID!) { cancelImport(input: {jobId: $id}) { job { state finishedAt } } }";
    let cancelled = app.gql(cancel, json!({"id": id})).await.ok();
    assert_eq!(cancelled.data("/cancelImport/job/state"), "CANCELLED");
    assert!(
        runner(&app)
            .run_once(None, &|_, _| {})
            .await
            .expect("ran")
            .is_none()
    );
    assert_eq!(count(&app, "accounts").await, 0);
    let again = app.gql(cancel, json!({"id": id})).await;
    assert_eq!(again.error_code(), Some("CONFLICT"), "{:?}", again.body);
}

#[tokio::test]
async fn a_dry_run_job_reports_what_would_happen_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let started = start(
        &app,
        &token,
        json!({"kind": "ACCOUNTS", "dryRun": true, "source": "crm"}),
        "accounts.csv",
        "external_id,name\nA1,Acme\nA2,\nA3,Globex\n",
    )
    .await;
    let id = started["data"]["startImport"]["job"]["id"].clone();
    runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    let done = job(&app, &token, &id).await;
    assert_eq!(
        (
            &done["state"],
            &done["dryRun"],
            &done["rowsDone"],
            &done["created"],
            &done["refused"]
        ),
        (
            &json!("SUCCEEDED"),
            &json!(true),
            &json!(3),
            &json!(2),
            &json!(1)
        ),
        "{done}"
    );
    assert_eq!(done["firstErrors"][0]["line"], 3);
    assert_eq!(
        count(&app, "accounts").await,
        0,
        "the dry run changed nothing"
    );
}
