//! Measurements and team members import as jobs too: the job runs the generic row loop of
//! every kind, with its totals, refusals and the settling of measured periods.

use chrono::SecondsFormat;
use rapport_api::service::import_jobs::RunOutcome;
use rapport_tests::{complete_sections, earlier_today, spawn_app};
use serde_json::json;

use super::{job, runner, start};
use crate::import_kinds::frt;

#[tokio::test]
async fn a_measurements_import_runs_as_a_job_with_its_totals_refusals_and_settled_compliance() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let fx = app
        .client_with_agreement("Measured Co", complete_sections())
        .await;
    let ag = &fx.agreement;
    let at = |m: i64| earlier_today(m).to_rfc3339_opts(SecondsFormat::Micros, true);
    let (t1, t2) = (at(30), at(20));
    let file = format!(
        "agreement_id,metric_key,value,observed_at,source\n\
         {ag},frt,30,{t1},monitoring\n\
         {ag},frt,abc,{t2},monitoring\n\
         {ag},nope,1,{t2},monitoring\n\
         {ag},frt,30,{t1},monitoring\n"
    );
    let started = start(
        &app,
        &token,
        json!({"kind": "MEASUREMENTS"}),
        "m.csv",
        &file,
    )
    .await;
    let queued = &started["data"]["startImport"]["job"];
    assert_eq!(queued["state"], "QUEUED", "{started}");
    assert_eq!(frt(&app, ag).await.0, 0, "nothing recorded yet");

    let outcome = runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    assert!(matches!(outcome, Some(RunOutcome::Ended(_))), "{outcome:?}");
    let done = job(&app, &token, &queued["id"]).await;
    assert_eq!(
        (&done["state"], &done["kind"]),
        (&json!("SUCCEEDED"), &json!("MEASUREMENTS")),
        "{done}"
    );
    assert_eq!(
        (
            &done["rowsTotal"],
            &done["rowsDone"],
            &done["created"],
            &done["updated"],
            &done["unchanged"],
            &done["refused"]
        ),
        (
            &json!(4),
            &json!(4),
            &json!(1),
            &json!(0),
            &json!(0),
            &json!(3)
        ),
        "{done}"
    );
    let fields: Vec<(i64, &str)> = done["firstErrors"]
        .as_array()
        .expect("firstErrors")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or_default(),
                e["field"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![(3, "value"), (4, "metric_key"), (5, "observed_at")],
        "{done}"
    );
    assert_eq!(
        frt(&app, ag).await,
        (1, Some(30.0)),
        "the job's chunk settled the period"
    );
}

#[tokio::test]
async fn a_team_members_import_runs_as_a_job() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let file = "subject,email,name,role\n\
                nina,nina@example.com,Nina New,VIEWER\n\
                pat,pat@example.com,Pat Partner,PARTNER\n";
    let started = start(
        &app,
        &token,
        json!({"kind": "TEAM_MEMBERS"}),
        "team.csv",
        file,
    )
    .await;
    let queued = &started["data"]["startImport"]["job"];
    assert_eq!(queued["state"], "QUEUED", "{started}");

    let outcome = runner(&app).run_once(None, &|_, _| {}).await.expect("ran");
    assert!(matches!(outcome, Some(RunOutcome::Ended(_))), "{outcome:?}");
    let done = job(&app, &token, &queued["id"]).await;
    assert_eq!(
        (
            &done["state"],
            &done["kind"],
            &done["rowsDone"],
            &done["created"],
            &done["refused"]
        ),
        (
            &json!("SUCCEEDED"),
            &json!("TEAM_MEMBERS"),
            &json!(2),
            &json!(1),
            &json!(1)
        ),
        "{done}"
    );
    assert_eq!(
        done["firstErrors"],
        json!([{"line": 3, "field": "role", "reason": done["firstErrors"][0]["reason"]}]),
        "{done}"
    );
}
