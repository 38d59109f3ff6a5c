//! Bulk export over `GET /export/{kind}.{csv|jsonl}` and `rapport export`: scoped and
//! filtered as the GraphQL lists are, only the columns the caller may read, formulas
//! neutralised in CSV, and an export cut short never looks finished.

mod harness;

use std::collections::BTreeSet;

use rapport_tests::spawn_app;
use serde_json::json;

use harness::{export, ids, urlencode, world};

#[tokio::test]
async fn a_partner_exports_only_its_referred_accounts_and_no_column_it_may_not_read() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let accounts = export(&app, Some(&w.partner_a), "accounts.csv").await;
    assert_eq!(ids(accounts.column("id")), w.a_accounts);
    assert_eq!(
        accounts.header().join(","),
        "id,external_source,external_id,name,kind,domains,relationship_type,client_since,status,partner_id,created_at,updated_at",
        "no account manager (a staff identity) for a partner"
    );
    let contacts = export(&app, Some(&w.partner_a), "contacts.jsonl").await;
    let seen: BTreeSet<String> = contacts
        .lines()
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(seen, w.a_contacts);
    let agreements = export(&app, Some(&w.partner_a), "agreements.jsonl").await;
    let lines = agreements.lines();
    assert_eq!(lines.len(), 1, "{}", agreements.body);
    let keys: Vec<&str> = lines[0]
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "account_id",
            "status",
            "revision",
            "effective_from",
            "sections",
            "created_at",
            "updated_at"
        ]
    );
    let sections = &lines[0]["sections"];
    assert!(sections["summary"]["title"].is_string(), "{sections}");
    for hidden in ["terms", "consequences", "review"] {
        assert!(sections.get(hidden).is_none(), "{hidden} in {sections}");
    }
    assert!(sections["summary"].get("fee").is_none(), "{sections}");
    assert!(!agreements.body.contains("3000"), "no fee anywhere");
    for forbidden in ["credits.csv", "measurements.csv"] {
        let res = export(&app, Some(&w.partner_a), forbidden).await;
        assert_eq!(res.status, 403, "{forbidden}: {}", res.body);
        assert_eq!(res.json()["code"], "FORBIDDEN");
    }
    let named = export(
        &app,
        Some(&w.partner_a),
        &format!(
            "contacts.csv?filter.account.accountManagerId={}",
            app.member("ACCOUNT_MANAGER").await.0
        ),
    )
    .await;
    assert_eq!(named.status, 403, "a partner may not filter by team member");
}

#[tokio::test]
async fn staff_roles_export_what_graphql_shows_them() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let admin = export(&app, Some(&app.admin_token.clone()), "accounts.csv").await;
    assert_eq!(ids(admin.column("id")), w.all_accounts);
    let managers: Vec<String> = admin
        .column("account_manager_email")
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect();
    assert_eq!(managers.len(), 1, "the client's manager: {managers:?}");
    let since: Vec<String> = admin
        .column("client_since")
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect();
    assert_eq!(since.len(), 1, "the client's promotion: {since:?}");

    let (_, agent) = app.member("SUPPORT_AGENT").await;
    let agreements = export(&app, Some(&agent), "agreements.jsonl").await.lines();
    assert_eq!(agreements.len(), 1);
    assert!(agreements[0]["sections"].get("terms").is_none());
    assert!(agreements[0]["sections"]["summary"].get("fee").is_none());
    assert!(agreements[0]["sections"]["metrics"].is_array());
    assert_eq!(export(&app, Some(&agent), "credits.csv").await.status, 403);
    let measurements = export(&app, Some(&agent), "measurements.csv").await;
    assert_eq!(measurements.status, 200, "{}", measurements.body);

    let (_, viewer) = app.member("VIEWER").await;
    let agreements = export(&app, Some(&viewer), "agreements.jsonl")
        .await
        .lines();
    assert_eq!(
        agreements[0]["sections"]["summary"]["fee"],
        json!({"amount": "3000.00", "currency": "EUR"})
    );
    assert!(agreements[0]["sections"]["terms"]["clauses"].is_array());
    assert!(agreements[0]["cancel_by"].is_string());
    let credits = export(&app, Some(&viewer), "credits.csv").await;
    assert_eq!(
        credits.header().join(","),
        "id,agreement_id,metric_key,period_start,amount,currency,reason,computed_at"
    );
}

#[tokio::test]
async fn an_export_without_a_valid_token_is_401() {
    let app = spawn_app().await;
    for token in [None, Some("not-a-token")] {
        let res = export(&app, token, "contacts.csv").await;
        assert_eq!(res.status, 401, "{token:?}: {}", res.body);
        assert_eq!(res.json()["code"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn a_csv_export_is_an_attachment_with_formulas_neutralised_and_json_lines_unchanged() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let account = app
        .account_as(
            &admin,
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            json!({}),
        )
        .await;
    app.contact_with(json!({
        "accountId": account,
        "firstName": "@SUM(A1:A9)",
        "lastName": "O\"Brien, Jr",
        "jobRole": "-2+3",
        "phones": [{"number": "+33612345678", "type": "MOBILE"}],
        "tags": ["vip", "=cmd"],
    }))
    .await;
    let csv = export(&app, Some(&admin), "contacts.csv").await;
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d");
    assert_eq!(
        csv.disposition,
        format!("attachment; filename=\"contacts-{today}.csv\"")
    );
    assert_eq!(csv.column("first_name"), ["'@SUM(A1:A9)"]);
    assert_eq!(csv.column("last_name"), ["O\"Brien, Jr"]);
    assert_eq!(csv.column("job_role"), ["'-2+3"]);
    assert_eq!(csv.column("phones"), ["mobile:+33612345678"]);
    assert_eq!(csv.column("tags"), ["vip;=cmd"]);
    let accounts = export(&app, Some(&admin), "accounts.csv").await;
    assert_eq!(
        accounts.column("name"),
        ["'=HYPERLINK(\"http://evil.example\",\"x\")"]
    );
    let lines = export(&app, Some(&admin), "accounts.jsonl").await;
    assert_eq!(lines.content_type, "application/x-ndjson");
    assert_eq!(
        lines.lines()[0]["name"],
        "=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    let contacts = export(&app, Some(&admin), "contacts.jsonl").await.lines();
    assert_eq!(contacts[0]["first_name"], "@SUM(A1:A9)");
    assert_eq!(contacts[0]["tags"], json!(["vip", "=cmd"]));
}

#[tokio::test]
async fn an_export_is_filtered_as_the_graphql_list_is() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let filter = json!({"account": {"relationshipType": "CLIENT"}});
    let listed = app
        .gql(
            "query($f: ContactFilter) { contacts(first: 100, filter: $f) { nodes { id } } }",
            json!({"f": filter}),
        )
        .await
        .ok();
    let expected: BTreeSet<String> = listed
        .data("/contacts/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(expected.len(), 1);
    let admin = app.admin_token.clone();
    let as_json = export(
        &app,
        Some(&admin),
        &format!("contacts.csv?filter={}", urlencode(&filter.to_string())),
    )
    .await;
    assert_eq!(ids(as_json.column("id")), expected);
    let flat = export(
        &app,
        Some(&admin),
        "contacts.csv?filter.account.relationshipType=CLIENT",
    )
    .await;
    assert_eq!(ids(flat.column("id")), expected);
    let searched = export(&app, Some(&w.partner_a), "contacts.csv?filter.search=bob").await;
    assert!(
        searched.column("id").is_empty(),
        "a filter never widens the partner's scope"
    );
}

#[tokio::test]
async fn a_bad_filter_is_a_400_naming_the_field_and_an_unknown_export_a_404() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    for (path, field) in [
        (
            "contacts.csv?filter.emailConsent=MAYBE",
            "filter.emailConsent",
        ),
        ("contacts.csv?filter.account.nope=1", "filter.account.nope"),
        ("accounts.csv?filter=%7Bbroken", "filter"),
        ("agreements.csv?filter.statusIn=", "filter.statusIn[0]"),
        ("contacts.csv?limit=3", "limit"),
    ] {
        let res = export(&app, Some(&admin), path).await;
        assert_eq!(res.status, 400, "{path}: {}", res.body);
        assert_eq!(res.json()["code"], "BAD_USER_INPUT", "{path}");
        assert_eq!(res.json()["field"], field, "{path}: {}", res.body);
    }
    assert_eq!(export(&app, Some(&admin), "people.csv").await.status, 404);
    assert_eq!(
        export(&app, Some(&admin), "contacts.xlsx").await.status,
        404
    );
}

#[tokio::test]
async fn an_export_streams_every_row_in_chunks_and_a_failure_midway_cuts_the_body_off() {
    let app = spawn_app().await;
    let rows = 2_500;
    rapport_api::service::seed_demo_data(&app.store, &[], 5, rows, chrono::Utc::now(), |_| {})
        .await
        .expect("demo data");
    let admin = app.admin_token.clone();
    let whole = export(&app, Some(&admin), "contacts.csv").await;
    let lines = whole.column("id");
    assert_eq!(lines.len(), rows, "one line a row, across chunks of 1000");
    let ids = ids(lines);
    assert_eq!(ids.len(), rows, "every row once, across chunks of 1000");

    // The file through the command line's path is the same bytes.
    let file = app.data_dir.path().join("contacts.csv");
    let written = rapport_api::export::cli::run(&app.store, "contacts", "csv", None, Some(&file))
        .await
        .expect("exported");
    assert_eq!(written, rows as u64);
    assert_eq!(
        std::fs::read_to_string(&file).expect("the file"),
        whole.body
    );

    // A row of the last chunk no longer reads back: the first chunks went out with a 200,
    // and then the body must end as an incomplete one, not as a finished export.
    app.store
        .execute_raw(
            "UPDATE contacts SET phones = 'not json' WHERE id = (SELECT MAX(id) FROM contacts)",
        )
        .await
        .expect("a broken row");
    let res = app
        .client()
        .get(format!("{}/export/contacts.csv", app.address))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("the answer starts");
    assert_eq!(res.status().as_u16(), 200);
    let body = res.text().await;
    assert!(body.is_err(), "a cut-off export must not read as complete");
    let cli = rapport_api::export::cli::run(&app.store, "contacts", "csv", None, Some(&file)).await;
    let err = cli.expect_err("the command fails").to_string();
    assert!(err.contains("incomplete"), "{err}");
}

#[tokio::test]
async fn exports_count_in_the_callers_rate_limit_bucket() {
    let app = rapport_tests::spawn_app_with(|s| {
        s.rate_limit.subject_per_minute = 1;
        s.rate_limit.subject_burst = 2;
    })
    .await;
    let admin = app.admin_token.clone();
    assert_eq!(export(&app, Some(&admin), "accounts.csv").await.status, 200);
    assert_eq!(export(&app, Some(&admin), "accounts.csv").await.status, 200);
    let limited = export(&app, Some(&admin), "accounts.csv").await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.json()["code"], "RATE_LIMITED");
}
