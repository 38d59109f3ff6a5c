//! Round trips: what `GET /export/…` writes for accounts, contacts and measurements imports
//! again with no mapping, as CSV and as JSON Lines, and every row is found UNCHANGED.

use rapport_tests::{TestApp, complete_sections, earlier_today, measurement, spawn_app};
use serde_json::{Value, json};

use crate::imports::upload;

async fn export(app: &TestApp, path: &str) -> String {
    let res = app
        .client()
        .get(format!("{}/export/{path}", app.address))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("export answers");
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.text().await.expect("a body")
}

/// Exports `kind` as CSV and as JSON Lines, imports each again with no mapping, and checks
/// every one of the `rows` rows is UNCHANGED.
async fn round_trip(app: &TestApp, kind: &str, import_kind: &str, rows: usize) {
    for format in ["csv", "jsonl"] {
        let name = format!("{kind}.{format}");
        let body = export(app, &name).await;
        let token = app.admin_token.clone();
        let (_, res) = upload(app, &token, json!({"kind": import_kind}), &name, &body).await;
        let report = &res["data"]["importRecords"];
        let outcomes: Vec<&Value> = report["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no report: {res}\n{body}"))
            .iter()
            .filter(|r| r["outcome"] != "UNCHANGED")
            .collect();
        assert!(outcomes.is_empty(), "{name}: {outcomes:?}\n{body}");
        assert_eq!(report["unchanged"], rows, "{name}: {res}\n{body}");
    }
}

#[tokio::test]
async fn exported_accounts_and_contacts_import_again_with_every_row_unchanged() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let org = app
        .account_as(
            &admin,
            "Acme",
            json!({"domains": ["acme.test", "acme-group.test"]}),
        )
        .await;
    let person = app
        .account_as(&admin, "Ada Person", json!({"kind": "INDIVIDUAL"}))
        .await;
    app.client_account("Client Co").await;
    let (_, imported) = upload(
        &app,
        &admin,
        json!({"kind": "ACCOUNTS"}),
        "a.csv",
        "external_source,external_id,name\ncrm,A9,Imported Ltd\n",
    )
    .await;
    assert_eq!(
        imported["data"]["importRecords"]["created"], 1,
        "{imported}"
    );
    round_trip(&app, "accounts", "ACCOUNTS", 4).await;

    app.contact_with(json!({
        "accountId": org,
        "firstName": "Grace",
        "lastName": "-Hopper",
        "email": "grace@acme.test",
        "phones": [
            {"number": "+33612345678", "type": "MOBILE"},
            {"number": "+442079460000", "type": "WORK"},
        ],
        "jobRole": "=Decision maker",
        "emailConsent": "SUBSCRIBED",
        "tags": ["vip", "renewal"],
        "customFields": [{"key": "size", "type": "NUMBER", "value": "42"}],
    }))
    .await;
    app.contact(&person, "Solo", None).await;
    let gone = app.contact(&org, "Gone", Some("gone@acme.test")).await;
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { id } } }",
        json!({"id": gone}),
    )
    .await
    .ok();
    round_trip(&app, "contacts", "CONTACTS", 3).await;
}

#[tokio::test]
async fn exported_measurements_import_again_with_every_row_unchanged() {
    let app = spawn_app().await;
    let fx = app
        .client_with_agreement("Measured Co", complete_sections())
        .await;
    let at = earlier_today;
    let recorded = app
        .record_measurements(
            &app.admin_token.clone(),
            &fx.agreement,
            json!([
                measurement("frt", "42.5", at(30)),
                measurement("uptime", "99.95", at(20)),
                measurement("frt", "12", at(10)),
            ]),
        )
        .await
        .ok();
    assert_eq!(
        recorded.data("/recordMeasurements/recordedCount"),
        3,
        "{}",
        recorded.body
    );
    round_trip(&app, "measurements", "MEASUREMENTS", 3).await;
}

#[tokio::test]
async fn an_exported_id_finds_its_record_only_with_the_records_own_creation_time() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let id = app.account_as(&admin, "Acme", json!({})).await;
    let created = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Account { createdAt } } }",
            json!({"id": id}),
        )
        .await
        .ok()
        .data("/node/createdAt")
        .as_str()
        .expect("createdAt")
        .to_owned();
    let file = |at: &str| format!("id,created_at,name\n{id},{at},Acme Renamed\n");
    // The same id from another database (another creation time) is not this account.
    let (_, other) = upload(
        &app,
        &admin,
        json!({"kind": "ACCOUNTS", "dryRun": true}),
        "a.csv",
        &file("2020-01-01T00:00:00+00:00"),
    )
    .await;
    assert_eq!(
        other["data"]["importRecords"]["rows"][0]["outcome"], "CREATE",
        "{other}"
    );
    let (_, same) = upload(
        &app,
        &admin,
        json!({"kind": "ACCOUNTS", "dryRun": true}),
        "a.csv",
        &file(&created),
    )
    .await;
    let row = &same["data"]["importRecords"]["rows"][0];
    assert_eq!(
        (row["outcome"].as_str(), row["id"].as_str()),
        (Some("UPDATE"), Some(id.as_str())),
        "{same}"
    );
}
