//! `recordInteraction`: a help desk logs a call, an email or a meeting on a contact. The
//! `interactions:write` scope is enough to record (and nothing else); validation names the
//! field and changes nothing; a contact out of the caller's scope does not exist for it.

use chrono::{TimeDelta, Utc};
use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { interaction { id kind direction at durationSeconds summary source } } }";
const CONTACT: &str = "query($id: ID!) { contact(id: $id) { interactions { totalCount nodes { id kind source summary } } } }";

/// A staff key made by the admin for a service account with `role` and `scopes`.
async fn staff_key(app: &TestApp, role: &str, scopes: &[&str]) -> String {
    let admin = app.admin_token.clone();
    let account = crate::api_keys::service_account(app, &admin, role, scopes, None).await;
    crate::api_keys::key_for(app, &admin, &account, None)
        .await
        .1
}

fn call(contact: &str) -> Value {
    json!({
        "contactId": contact,
        "kind": "CALL",
        "direction": "INBOUND",
        "at": (Utc::now() - TimeDelta::minutes(10)).to_rfc3339(),
        "durationSeconds": 312,
        "summary": "Asked about the invoice of March",
        "source": "helpdesk",
    })
}

fn with(mut input: Value, field: &str, value: Value) -> Value {
    input[field] = value;
    input
}

#[tokio::test]
async fn a_help_desk_key_with_only_interactions_write_records_but_reads_and_creates_nothing() {
    let app = spawn_app().await;
    let account = app.account_as(&app.admin_token, "Acme", json!({})).await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.example")).await;
    let desk = staff_key(&app, "SUPPORT_AGENT", &["INTERACTIONS_WRITE"]).await;

    let res = app
        .gql_as(Some(&desk), RECORD, json!({"input": call(&contact)}))
        .await
        .ok();
    assert_eq!(res.data("/recordInteraction/interaction/kind"), "CALL");
    assert_eq!(
        res.data("/recordInteraction/interaction/direction"),
        "INBOUND"
    );
    assert_eq!(
        res.data("/recordInteraction/interaction/durationSeconds"),
        312
    );
    assert_eq!(
        res.data("/recordInteraction/interaction/source"),
        "helpdesk"
    );
    let id = res
        .data("/recordInteraction/interaction/id")
        .as_str()
        .expect("id")
        .to_owned();

    // Staff read it back on the contact.
    let read = app.gql(CONTACT, json!({"id": contact})).await.ok();
    assert_eq!(read.data("/contact/interactions/totalCount"), 1);
    assert_eq!(read.data("/contact/interactions/nodes/0/id"), id.as_str());
    assert_eq!(
        read.data("/contact/interactions/nodes/0/summary"),
        "Asked about the invoice of March"
    );

    // An audit row names the machine as the actor.
    let audit = app
        .gql(
            "{ auditLog(first: 5, filter: {action: \"recordInteraction\"}) { edges { node { actor entityId after } } } }",
            json!({}),
        )
        .await
        .ok();
    let actor = audit
        .data("/auditLog/edges/0/node/actor")
        .as_str()
        .expect("actor");
    assert!(actor.starts_with("service-account:"), "{actor}");
    assert_eq!(
        audit.data("/auditLog/edges/0/node/entityId"),
        contact.as_str()
    );
    assert!(
        audit
            .data("/auditLog/edges/0/node/after")
            .as_str()
            .is_some_and(|a| a.contains(&id)),
        "{}",
        audit.body
    );

    // The same key can neither read contacts nor create accounts.
    let before = app.table_counts().await;
    let list = app
        .gql_as(
            Some(&desk),
            "{ contacts(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.error_code(), Some("FORBIDDEN"), "{}", list.body);
    let read = app
        .gql_as(Some(&desk), CONTACT, json!({"id": contact}))
        .await;
    assert!(read.body["data"]["contact"].is_null(), "{}", read.body);
    assert!(read.error_code().is_some(), "{}", read.body);
    assert!(!read.body.to_string().contains("invoice"), "{}", read.body);
    let create = app
        .gql_as(
            Some(&desk),
            "mutation { createAccount(input: {name: \"Nope\", kind: ORGANIZATION, acquisitionChannel: DIRECT}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(create.error_code(), Some("FORBIDDEN"), "{}", create.body);
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn a_read_only_key_a_viewer_and_a_partner_cannot_record_an_interaction() {
    let app = spawn_app().await;
    let account = app.account_as(&app.admin_token, "Acme", json!({})).await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.example")).await;
    let (_, partner) = app.partner("Referrer").await;
    let referred = app.account_as(&partner, "Referred", json!({})).await;
    let referred_contact = app
        .contact(&referred, "Rita", Some("rita@referred.example"))
        .await;
    let reader = staff_key(&app, "SUPPORT_AGENT", &["READ"]).await;
    let (_, viewer) = app.member("VIEWER").await;

    let before = app.table_counts().await;
    for (who, token, target, code) in [
        ("read-only key", &reader, &contact, "FORBIDDEN"),
        ("viewer", &viewer, &contact, "FORBIDDEN"),
        // A direct customer's contact does not exist for a partner...
        ("partner", &partner, &contact, "NOT_FOUND"),
        // ...and its own referral's contact it may read, not record on.
        ("partner", &partner, &referred_contact, "FORBIDDEN"),
    ] {
        let res = app
            .gql_as(Some(token), RECORD, json!({"input": call(target)}))
            .await;
        assert_eq!(res.error_code(), Some(code), "{who}: {}", res.body);
    }
    assert_eq!(app.table_counts().await, before, "nothing recorded");
}

#[tokio::test]
async fn bad_input_names_the_field_and_records_nothing() {
    let app = spawn_app().await;
    let account = app.account_as(&app.admin_token, "Acme", json!({})).await;
    let contact = app.contact(&account, "Ada", Some("ada@acme.example")).await;
    let erased = app.contact(&account, "Eve", Some("eve@acme.example")).await;
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
        json!({"id": erased}),
    )
    .await
    .ok();
    let future = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
    let cases = [
        ("contactId", call(&erased)),
        ("at", with(call(&contact), "at", json!(future))),
        (
            "durationSeconds",
            with(call(&contact), "durationSeconds", json!(-1)),
        ),
        (
            "summary",
            with(call(&contact), "summary", json!("x".repeat(501))),
        ),
        (
            "source",
            with(call(&contact), "source", json!("Help Desk!")),
        ),
        ("source", with(call(&contact), "source", json!(""))),
        (
            "contactId",
            with(call(&contact), "contactId", json!("not an id")),
        ),
    ];
    let before = app.table_counts().await;
    for (field, input) in cases {
        let res = app.gql(RECORD, json!({"input": input})).await;
        assert_eq!(
            res.error_code(),
            Some("BAD_USER_INPUT"),
            "{field}: {}",
            res.body
        );
        assert_eq!(res.error_field(), Some(field), "{}", res.body);
    }
    assert_eq!(app.table_counts().await, before);

    // A small clock skew is accepted, and an email with no direction, duration or source.
    let skewed = with(
        call(&contact),
        "at",
        json!((Utc::now() + TimeDelta::minutes(2)).to_rfc3339()),
    );
    app.gql(RECORD, json!({"input": skewed})).await.ok();
    let email = json!({"contactId": contact, "kind": "EMAIL", "at": Utc::now().to_rfc3339()});
    let res = app.gql(RECORD, json!({"input": email})).await.ok();
    assert_eq!(res.data("/recordInteraction/interaction/source"), "manual");
    assert!(
        res.data("/recordInteraction/interaction/direction")
            .is_null()
    );
}

#[tokio::test]
async fn an_account_manager_records_on_the_accounts_they_manage_only() {
    let app = spawn_app().await;
    let (manager_id, manager) = app.member("ACCOUNT_MANAGER").await;
    let managed = app.account_as(&app.admin_token, "Managed", json!({})).await;
    app.promote(&managed, &manager_id, 1).await;
    let other = app.account_as(&app.admin_token, "Other", json!({})).await;
    let mine = app
        .contact(&managed, "Mia", Some("mia@managed.example"))
        .await;
    let theirs = app
        .contact(&other, "Otto", Some("otto@other.example"))
        .await;

    app.gql_as(Some(&manager), RECORD, json!({"input": call(&mine)}))
        .await
        .ok();
    let res = app
        .gql_as(Some(&manager), RECORD, json!({"input": call(&theirs)}))
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
}
