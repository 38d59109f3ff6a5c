//! Importing measurements and team members: the same file formats, dry run and per-row
//! report as accounts and contacts, each row checked by the rules of `recordMeasurements` /
//! `updateTeamMember`.

use chrono::SecondsFormat;
use rapport_api::global_id::{self, Kind};
use rapport_tests::{TestApp, complete_sections, earlier_today, spawn_app};
use serde_json::{Value, json};

use crate::imports::upload;

/// `(line, outcome, field)` of every row of a report.
fn rows(res: &Value) -> Vec<(i64, String, Option<String>)> {
    res["data"]["importRecords"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {res}"))
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().expect("line"),
                r["outcome"].as_str().expect("outcome").to_owned(),
                r["field"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn row(line: i64, outcome: &str, field: Option<&str>) -> (i64, String, Option<String>) {
    (line, outcome.to_owned(), field.map(str::to_owned))
}

fn reason(res: &Value, index: usize) -> String {
    res["data"]["importRecords"]["rows"][index]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The `frt` compliance entry: (measurements counted, value observed).
pub(crate) async fn frt(app: &TestApp, agreement: &str) -> (i64, Option<f64>) {
    let res = app
        .gql(
            "query($id: ID!) { agreement(id: $id) { compliance { metrics { metricKey measurementCount observed } } } }",
            json!({"id": agreement}),
        )
        .await
        .ok();
    let entry = res
        .data("/agreement/compliance/metrics")
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["metricKey"] == "frt"))
        .cloned()
        .unwrap_or_else(|| panic!("no frt: {}", res.body));
    (
        entry["measurementCount"].as_i64().unwrap_or_default(),
        entry["observed"].as_str().and_then(|v| v.parse().ok()),
    )
}

#[tokio::test]
async fn measurements_are_imported_as_record_measurements_checks_them_and_a_second_run_changes_nothing()
 {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let fx = app
        .client_with_agreement("Measured Co", complete_sections())
        .await;
    let ag = &fx.agreement;
    let at = |m: i64| earlier_today(m).to_rfc3339_opts(SecondsFormat::Micros, true);
    let (t1, t2, t3) = (at(30), at(20), at(10));
    let missing = global_id::encode(Kind::Agreement, 999_999);
    let file = format!(
        "agreement_id,metric_key,value,observed_at,source\n\
         {ag},frt,30,{t1},monitoring\n\
         {ag},frt,abc,{t2},monitoring\n\
         {ag},nope,1,{t2},monitoring\n\
         {ag},uptime,101,{t3},monitoring\n\
         {missing},frt,1,{t1},monitoring\n\
         {ag},frt,30,{t1},monitoring\n\
         {ag},frt,31,yesterday,monitoring\n"
    );
    let expected = vec![
        row(2, "CREATE", None),
        row(3, "REFUSED", Some("value")),
        row(4, "REFUSED", Some("metric_key")),
        row(5, "REFUSED", Some("value")),
        row(6, "REFUSED", Some("agreement_id")),
        row(7, "REFUSED", Some("observed_at")),
        row(8, "REFUSED", Some("observed_at")),
    ];
    let input = json!({"kind": "MEASUREMENTS", "dryRun": true});
    let (_, dry) = upload(&app, &token, input, "m.csv", &file).await;
    assert_eq!(rows(&dry), expected, "{dry}");
    assert!(
        reason(&dry, 2).contains("not a metric of this agreement"),
        "{dry}"
    );
    assert!(reason(&dry, 5).contains("possible duplicate"), "{dry}");
    assert_eq!(frt(&app, ag).await.0, 0, "the dry run recorded nothing");

    let (_, real) = upload(
        &app,
        &token,
        json!({"kind": "MEASUREMENTS"}),
        "m.csv",
        &file,
    )
    .await;
    assert_eq!(rows(&real), expected, "{real}");
    assert_eq!(
        frt(&app, ag).await,
        (1, Some(30.0)),
        "compliance is settled"
    );

    let again =
        format!("agreement_id,metric_key,value,observed_at,source\n{ag},frt,30,{t1},monitoring\n");
    let (_, same) = upload(
        &app,
        &token,
        json!({"kind": "MEASUREMENTS"}),
        "m.csv",
        &again,
    )
    .await;
    assert_eq!(rows(&same), vec![row(2, "UNCHANGED", None)], "{same}");
    let corrected = again.replace(",30,", ",40,");
    let (_, fixed) = upload(
        &app,
        &token,
        json!({"kind": "MEASUREMENTS"}),
        "m.csv",
        &corrected,
    )
    .await;
    assert_eq!(rows(&fixed), vec![row(2, "UPDATE", None)], "{fixed}");
    assert_eq!(
        frt(&app, ag).await,
        (1, Some(40.0)),
        "a correction, not a second reading"
    );
}

async fn admins(app: &TestApp) -> i64 {
    app.gql(
        "{ teamMembers(first: 1, filter: {role: ADMIN, active: true}) { totalCount } }",
        json!({}),
    )
    .await
    .ok()
    .data("/teamMembers/totalCount")
    .as_i64()
    .expect("count")
}

#[tokio::test]
async fn team_members_are_imported_by_admins_and_the_last_admin_stays_one_counting_earlier_rows() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let admin = app.subject_of(&token).await;
    let (_, second) = app.member("ADMIN").await;
    let second = app.subject_of(&second).await;
    let file = format!(
        "subject,email,name,role\n\
         nina,nina@example.com,Nina New,viewer\n\
         {second},{second}@example.com,Test Member,VIEWER\n\
         {admin},,,VIEWER\n\
         pat,pat@example.com,Pat Partner,PARTNER\n\
         ned,{second}@example.com,Ned,VIEWER\n"
    );
    let expected = vec![
        row(2, "CREATE", None),
        row(3, "UPDATE", None),
        row(4, "REFUSED", Some("role")),
        row(5, "REFUSED", Some("role")),
        row(6, "REFUSED", Some("email")),
    ];
    let input = json!({"kind": "TEAM_MEMBERS", "dryRun": true});
    let (_, dry) = upload(&app, &token, input, "team.csv", &file).await;
    assert_eq!(rows(&dry), expected, "{dry}");
    assert_eq!(
        reason(&dry, 2),
        "the last active admin cannot stop being one",
        "the second admin's demotion in the row before counts: {dry}"
    );
    assert_eq!(admins(&app).await, 2, "the dry run changed nothing");

    let (_, real) = upload(
        &app,
        &token,
        json!({"kind": "TEAM_MEMBERS"}),
        "team.csv",
        &file,
    )
    .await;
    assert_eq!(rows(&real), expected, "{real}");
    assert_eq!(admins(&app).await, 1);
    let viewer = app
        .gql(
            "{ teamMembers(first: 10, filter: {role: VIEWER}) { nodes { name email } } }",
            json!({}),
        )
        .await
        .ok();
    let names: Vec<&str> = viewer
        .data("/teamMembers/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(names.contains(&"Nina New"), "{}", viewer.body);

    let (_, again) = upload(
        &app,
        &token,
        json!({"kind": "TEAM_MEMBERS"}),
        "team.csv",
        &file,
    )
    .await;
    assert_eq!(
        rows(&again)[..2],
        [row(2, "UNCHANGED", None), row(3, "UNCHANGED", None)],
        "{again}"
    );

    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let (_, refused) = upload(
        &app,
        &manager,
        json!({"kind": "TEAM_MEMBERS"}),
        "team.csv",
        "subject,email,name,role\nmia,mia@example.com,Mia,ADMIN\n",
    )
    .await;
    assert_eq!(
        rows(&refused),
        vec![row(2, "REFUSED", Some("row"))],
        "{refused}"
    );
    assert_eq!(admins(&app).await, 1);
}

#[tokio::test]
async fn the_command_imports_team_members_and_refuses_an_unknown_kind_by_name() {
    let mut database_url = None;
    let app = rapport_tests::spawn_app_with(|s| database_url = s.database_url.clone()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("team.jsonl");
    std::fs::write(
        &file,
        "{\"subject\":\"nina\",\"email\":\"nina@example.com\",\"name\":\"Nina\",\"role\":\"SUPPORT_AGENT\"}\n",
    )
    .expect("written");
    let run = |kind: &str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
        command
            .args(["import", "--kind", kind])
            .arg(&file)
            .env("RAPPORT_DATA_DIR", app.data_dir.path())
            .env("RAPPORT_LOG__FILTER", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("RAPPORT_DATABASE_URL");
        if let Some(url) = &database_url {
            command.env("DATABASE_URL", url);
        }
        command.output().expect("rapport runs")
    };
    let done = run("team_members");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(
        done.status.success() && stderr.contains("1 created"),
        "{stderr}"
    );
    let unknown = run("partners");
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        !unknown.status.success()
            && stderr.contains(
                "--kind partners: must be accounts, contacts, measurements or team_members"
            ),
        "{stderr}"
    );
    let member = app
        .gql(
            "{ teamMembers(first: 5, filter: {role: SUPPORT_AGENT}) { nodes { name email } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        member.data("/teamMembers/nodes"),
        &json!([{"name": "Nina", "email": "nina@example.com"}])
    );
}
