//! Imports: a file uploaded to `importRecords` (GraphQL multipart request specification), a
//! dry run first, `externalId` read back; and `rapport import` on the command line.

use rapport_tests::spawn_app;
use serde_json::{Value, json};

const IMPORT: &str = "mutation($input: ImportRecordsInput!) { importRecords(input: $input) { \
    dryRun created updated unchanged refused rows { line outcome id field reason } } }";

/// POSTs `IMPORT` as a multipart request with `file` named `name` as `input.file`.
pub(crate) async fn upload(
    app: &rapport_tests::TestApp,
    token: &str,
    input: Value,
    name: &str,
    file: &str,
) -> (u16, Value) {
    let boundary = "rapport-test-boundary-7d1f";
    let mut input = input;
    input["file"] = Value::Null;
    let operations = json!({"query": IMPORT, "variables": {"input": input}});
    let map = json!({"0": ["variables.input.file"]});
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    let res = app
        .client()
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
        .expect("sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn account_count(app: &rapport_tests::TestApp) -> i64 {
    app.gql("{ accounts(first: 1) { totalCount } }", json!({}))
        .await
        .ok()
        .data("/accounts/totalCount")
        .as_i64()
        .expect("count")
}

#[tokio::test]
async fn an_uploaded_csv_is_dry_run_then_imported_and_keeps_its_external_ids() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let accounts =
        "\u{feff}Source,Id,Company,domain\r\ncrm,A1,Acme,acme.test\r\ncrm,A2,,globex.test\r\n";
    let input = json!({
        "kind": "ACCOUNTS",
        "dryRun": true,
        "mapping": [{"from": "Source", "to": "external_source"}, {"from": "Id", "to": "external_id"}, {"from": "Company", "to": "name"}],
    });
    let (status, dry) = upload(&app, &token, input.clone(), "accounts.csv", accounts).await;
    assert_eq!(status, 200, "{dry}");
    let report = &dry["data"]["importRecords"];
    assert_eq!(report["dryRun"], true);
    assert_eq!(
        report["rows"],
        json!([
            {"line": 2, "outcome": "CREATE", "id": null, "field": null, "reason": null},
            {"line": 3, "outcome": "REFUSED", "id": null, "field": "name", "reason": "must not be blank"},
        ])
    );
    assert_eq!(account_count(&app).await, 0, "the dry run changed nothing");
    let mut real = input;
    real["dryRun"] = json!(false);
    let (_, done) = upload(&app, &token, real.clone(), "accounts.csv", accounts).await;
    let report = &done["data"]["importRecords"];
    assert_eq!(
        (report["created"].as_i64(), report["refused"].as_i64()),
        (Some(1), Some(1))
    );
    let id = report["rows"][0]["id"].as_str().expect("id").to_owned();
    let read = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Account { name externalId { source id } } } }",
            json!({"id": id}),
        )
        .await
        .ok();
    assert_eq!(
        read.data("/node"),
        &json!({"name": "Acme", "externalId": {"source": "crm", "id": "A1"}})
    );
    let (_, again) = upload(&app, &token, real, "accounts.csv", accounts).await;
    assert_eq!(again["data"]["importRecords"]["unchanged"], 1, "{again}");
    assert_eq!(account_count(&app).await, 1);

    let contacts = "{\"external_source\":\"crm\",\"external_id\":\"C1\",\"account_external_id\":\"A1\",\"first_name\":\"Grace\",\"email\":\"grace@acme.test\"}\n";
    let (_, done) = upload(
        &app,
        &token,
        json!({"kind": "CONTACTS"}),
        "contacts.jsonl",
        contacts,
    )
    .await;
    let row = &done["data"]["importRecords"]["rows"][0];
    assert_eq!(row["outcome"], "CREATE", "{done}");
    let read = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Contact { firstName account { name } externalId { source id } } } }",
            json!({"id": row["id"]}),
        )
        .await
        .ok();
    assert_eq!(
        read.data("/node"),
        &json!({"firstName": "Grace", "account": {"name": "Acme"}, "externalId": {"source": "crm", "id": "C1"}})
    );

    // The export carries the external ids back out, under the names the import reads.
    for (path, expected) in [
        ("accounts.jsonl", ("crm", "A1")),
        ("contacts.jsonl", ("crm", "C1")),
    ] {
        let body = reqwest::Client::new()
            .get(format!("{}/export/{path}", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .expect("export answers")
            .text()
            .await
            .expect("a body");
        let line: Value =
            serde_json::from_str(body.lines().next().expect("one row")).expect("JSON");
        assert_eq!(
            (
                line["external_source"].as_str(),
                line["external_id"].as_str()
            ),
            (Some(expected.0), Some(expected.1)),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn an_unreadable_upload_is_refused_with_the_reason_and_a_partner_may_not_import() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let (_, res) = upload(
        &app,
        &token,
        json!({"kind": "ACCOUNTS"}),
        "accounts.csv",
        "name,Shoe size\nAcme,9\n",
    )
    .await;
    assert_eq!(
        res["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{res}"
    );
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown columns: Shoe size")),
        "{res}"
    );
    let (_, partner) = app.partner("Resellers Ltd").await;
    let (_, res) = upload(
        &app,
        &partner,
        json!({"kind": "ACCOUNTS"}),
        "accounts.csv",
        "name\nAcme\n",
    )
    .await;
    assert_eq!(res["errors"][0]["extensions"]["code"], "FORBIDDEN", "{res}");
    assert_eq!(account_count(&app).await, 0);
}

#[tokio::test]
async fn the_import_command_dry_runs_then_imports_a_file() {
    // The command opens the server's database: its data folder (SQLite) or its URL.
    let mut database_url = None;
    let app = rapport_tests::spawn_app_with(|s| database_url = s.database_url.clone()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("accounts.csv");
    std::fs::write(
        &file,
        "external_id,name,domain\nA1,Acme,acme.test\nA2,,x.test\n",
    )
    .expect("written");
    let report = dir.path().join("report.csv");
    let run = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
        command
            .args(["import", "--kind", "accounts", "--source", "crm"])
            .arg(&file)
            .args(extra)
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
    let dry = run(&["--dry-run", "--report", &report.display().to_string()]);
    assert!(
        dry.contains("line 3: REFUSED name: must not be blank"),
        "{dry}"
    );
    assert!(
        dry.contains("dry run, nothing changed: 2 rows") && dry.contains("1 created"),
        "{dry}"
    );
    assert_eq!(account_count(&app).await, 0);
    let written = std::fs::read_to_string(&report).expect("report");
    assert_eq!(
        written,
        "line,outcome,id,field,reason\n2,CREATE,,,\n3,REFUSED,,name,must not be blank\n"
    );
    let real = run(&[]);
    assert!(
        real.contains("1 created") && real.contains("1 refused"),
        "{real}"
    );
    assert_eq!(account_count(&app).await, 1);
    let again = run(&[]);
    assert!(again.contains("1 unchanged"), "{again}");
}
