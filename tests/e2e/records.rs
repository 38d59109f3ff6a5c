//! Every mutation leaves an audit row and an outbox event in the same transaction as the
//! change; erasure removes personal data everywhere and keeps a tombstone.

use rapport_tests::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn a_mutation_writes_its_audit_row_and_outbox_event_with_the_request_id() {
    let app = spawn_app().await;
    let res = app
        .client()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.admin_token)
        .header("x-request-id", "req-audit-1")
        .json(&json!({"query": "mutation { createAccount(input: {name: \"Acme\", kind: ORGANIZATION, acquisitionChannel: DIRECT}) { account { id } } }"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("req-audit-1")
    );
    let body: Value = res.json().await.expect("json");
    let id = body["data"]["createAccount"]["account"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let audit = app
        .gql(
            "query($id: ID!) { auditLog(filter: {entityId: $id}) { nodes { actor action entityType entityId before after requestId } } }",
            json!({"id": id}),
        )
        .await
        .ok();
    let entries = audit
        .data("/auditLog/nodes")
        .as_array()
        .expect("entries")
        .clone();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["actor"], "bootstrap-admin");
    assert_eq!(entry["action"], "createAccount");
    assert_eq!(entry["entityType"], "Account");
    assert_eq!(entry["entityId"], id.as_str());
    assert_eq!(entry["requestId"], "req-audit-1");
    assert!(entry["before"].is_null());
    let after: Value =
        serde_json::from_str(entry["after"].as_str().expect("after")).expect("after is JSON");
    assert_eq!(after["name"], "Acme");
    assert_eq!(after["relationshipType"], "CUSTOMER");

    let raw =
        rapport_api::global_id::decode(rapport_api::global_id::Kind::Account, &id).expect("raw id");
    let events = app
        .store
        .outbox_events_for("Account", raw)
        .await
        .expect("outbox");
    assert_eq!(events, ["account.created"]);
}

#[tokio::test]
async fn a_change_whose_outbox_event_cannot_be_written_is_rolled_back_entirely() {
    let app = spawn_app().await;
    let before = app.table_counts().await;
    app.store
        .execute_raw("DROP TABLE outbox")
        .await
        .expect("sabotage");
    let res = app
        .gql(
            "mutation { createAccount(input: {name: \"Acme\", kind: ORGANIZATION, acquisitionChannel: DIRECT}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.error_code(), Some("INTERNAL"), "{}", res.body);
    let accounts = app.store.count_rows("accounts").await.expect("count");
    let audit = app.store.count_rows("audit_log").await.expect("count");
    let was = |t: &str| {
        before
            .iter()
            .find(|(n, _)| *n == t)
            .map(|(_, c)| *c)
            .expect("table")
    };
    assert_eq!(
        accounts,
        was("accounts"),
        "the account was not kept without its event"
    );
    assert_eq!(
        audit,
        was("audit_log"),
        "the audit row was not kept without its event"
    );
}

#[tokio::test]
async fn erasing_a_contact_removes_its_personal_data_everywhere_and_keeps_a_tombstone() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let email = "ada.lovelace.erasure@example.com";
    let contact = app
        .gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": {"accountId": account, "firstName": "Ada", "lastName": "Lovelace", "email": email,
                "phones": [{"number": "+33612345678", "type": "MOBILE"}], "emailConsent": "SUBSCRIBED", "tags": ["vip"]}}),
        )
        .await
        .ok()
        .data("/createContact/contact/id")
        .as_str()
        .expect("id")
        .to_owned();
    app.gql(
        "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { version } } }",
        json!({"input": {"contactId": contact, "expectedVersion": 1, "jobRole": "Analyst"}}),
    )
    .await
    .ok();

    let erased = app
        .gql(
            "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { id erased erasedAt firstName lastName email phones { number } tags emailConsent } } }",
            json!({"id": contact}),
        )
        .await
        .ok();
    let c = erased.data("/eraseContact/contact");
    assert_eq!(c["erased"], true);
    assert!(c["erasedAt"].is_string(), "the tombstone keeps when");
    assert_eq!(c["id"], contact.as_str(), "the tombstone keeps its id");
    assert_eq!(c["firstName"], "");
    assert!(c["lastName"].is_null() && c["email"].is_null());
    assert_eq!(c["phones"], json!([]));
    assert_eq!(c["tags"], json!([]));
    assert_eq!(c["emailConsent"], "NONE");

    let audit = app
        .gql(
            "query($id: ID!) { auditLog(filter: {entityId: $id}) { nodes { action before after } } }",
            json!({"id": contact}),
        )
        .await
        .ok();
    let text = audit.data("/auditLog/nodes").to_string();
    assert!(
        text.contains("eraseContact") && text.contains("createContact"),
        "{text}"
    );
    for personal in ["Lovelace", "lovelace", "33612345678", "Analyst"] {
        assert!(
            !text.contains(personal),
            "the audit log still holds {personal}: {text}"
        );
    }

    let again = app
        .gql(
            "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { id } } }",
            json!({"id": contact}),
        )
        .await;
    assert_eq!(
        again.error_code(),
        Some("INVALID_TRANSITION"),
        "{}",
        again.body
    );

    let reuse = app.contact(&account, "Someone", Some(email)).await;
    assert_ne!(reuse, contact, "an erased contact's email is free again");

    if app.backend == "sqlite" {
        // The new contact holds the address again (which spells "lovelace"): look for the
        // erased contact's other data, byte for byte, in the database file and its WAL.
        for file in ["rapport.db", "rapport.db-wal"] {
            let path = app.data_dir.path().join(file);
            let bytes = std::fs::read(&path).unwrap_or_default();
            for personal in ["Lovelace", "33612345678", "Analyst"] {
                assert!(
                    !bytes
                        .windows(personal.len())
                        .any(|w| w == personal.as_bytes()),
                    "{file} still holds {personal}"
                );
            }
        }
    }
}
