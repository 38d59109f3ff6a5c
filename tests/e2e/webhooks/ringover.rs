//! Ringover's signed call events become interactions on the contact with the number; its caller-id lookup.

use chrono::{DateTime, Utc};
use rapport_ringover::testing::sign_webhook;
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn a_call_event_without_a_valid_signature_answers_401_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let body = call_event(4242, "hangup", "33612345678", Utc::now());
    let other_body = call_event(4243, "hangup", "33612345678", Utc::now());
    let before = app.table_counts().await;

    let cases = [
        ("no signature", None),
        ("an empty signature", Some(String::new())),
        ("garbage", Some("not-a-jwt".to_owned())),
        (
            "another secret",
            Some(sign_webhook(body.as_bytes(), "not-the-secret")),
        ),
        (
            "a signature of another body",
            Some(sign_webhook(other_body.as_bytes(), RINGOVER_SECRET)),
        ),
    ];
    for (case, signature) in cases {
        let (status, answer) = ringover(&app, signature.as_deref(), &body).await;
        assert_eq!(status, 401, "{case}: {answer}");
    }

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
}

#[tokio::test]
async fn a_signed_call_event_becomes_one_interaction_on_the_contact_with_the_number() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33 6 12 34 56 78").await;
    let started = Utc::now() - chrono::Duration::minutes(10);
    let body = call_event(4242, "hangup", "33612345678", started);
    let signature = sign_webhook(body.as_bytes(), RINGOVER_SECRET);

    let (status, answer) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    // Ringover retries: the same event is recorded once.
    let (status, answer) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("duplicate")),
        "{answer}"
    );

    let found = interactions(&app, &ada).await;
    assert_eq!(found["totalCount"], 1, "{found}");
    let call = &found["nodes"][0];
    assert_eq!(call["kind"], "CALL");
    assert_eq!(call["direction"], "INBOUND");
    assert_eq!(call["durationSeconds"], 65);
    assert_eq!(call["source"], "ringover");
    assert_eq!(call["summary"], "Call ended");
    let at = DateTime::parse_from_rfc3339(call["at"].as_str().expect("at")).expect("a time");
    assert_eq!(at.timestamp(), started.timestamp());
    assert_eq!(
        contact(&app, &ada).await["version"],
        1,
        "a call is not a change of the contact"
    );

    // The interaction is a node of its own.
    let node = app
        .gql(
            "query($id: ID!) { node(id: $id) { id ... on Interaction { summary } } }",
            json!({"id": call["id"]}),
        )
        .await
        .ok();
    assert_eq!(node.data("/node/summary"), "Call ended");

    // A later call shows first: newest first, by when it happened.
    let later = call_event(4243, "missed", "33612345678", Utc::now());
    ringover(
        &app,
        Some(&sign_webhook(later.as_bytes(), RINGOVER_SECRET)),
        &later,
    )
    .await;
    let found = interactions(&app, &ada).await;
    assert_eq!(found["totalCount"], 2, "{found}");
    assert_eq!(found["nodes"][0]["summary"], "Missed");
    assert_eq!(found["nodes"][1]["summary"], "Call ended");
    let page = "query($id: ID!, $after: String) { contact(id: $id) { interactions(first: 1, after: $after) { pageInfo { hasNextPage endCursor } nodes { summary } } } }";
    let first = app.gql(page, json!({"id": ada, "after": null})).await.ok();
    assert_eq!(
        first.data("/contact/interactions/nodes/0/summary"),
        "Missed"
    );
    assert_eq!(
        first.data("/contact/interactions/pageInfo/hasNextPage"),
        true
    );
    let cursor = first
        .data("/contact/interactions/pageInfo/endCursor")
        .clone();
    let second = app
        .gql(page, json!({"id": ada, "after": cursor}))
        .await
        .ok();
    assert_eq!(
        second.data("/contact/interactions/nodes/0/summary"),
        "Call ended"
    );
    assert_eq!(
        second.data("/contact/interactions/pageInfo/hasNextPage"),
        false
    );
}

#[tokio::test]
async fn a_call_with_a_number_no_contact_has_stores_nothing_and_is_acknowledged() {
    let Hooks { app, .. } = app_with_webhooks().await;
    person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;
    for (event, number) in [("hangup", "33699999999"), ("ringing", "anonymous")] {
        let body = call_event(77, event, number, Utc::now());
        let (status, answer) = ringover(
            &app,
            Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
            &body,
        )
        .await;
        assert_eq!(status, 200, "{number}: {answer}");
    }
    let aftercall =
        json!({"resource": "aftercall", "event": "created", "data": {"call_id": 77}}).to_string();
    let (status, answer) = ringover(
        &app,
        Some(&sign_webhook(aftercall.as_bytes(), RINGOVER_SECRET)),
        &aftercall,
    )
    .await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("ignored")),
        "{answer}"
    );
    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
}

#[tokio::test]
async fn a_call_finds_the_contact_by_its_current_numbers_also_after_the_phone_index_is_rebuilt() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let bob = person(&app, "Bob", "bob@acme.test", "+33612345679").await;
    // Ada's first number is replaced and a second one added; Bob is erased.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, phones: [{number: \"+33611111111\", type: MOBILE}, {number: \"+44 20 7183 8750\", type: WORK}]}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { id } } }",
        json!({"id": bob}),
    )
    .await
    .ok();
    let mut call_id = 500;
    let mut call = |from: &'static str| {
        call_id += 1;
        let body = call_event(call_id, "hangup", from, Utc::now());
        let app = &app;
        async move {
            let signature = sign_webhook(body.as_bytes(), RINGOVER_SECRET);
            let (status, answer) = ringover(app, Some(&signature), &body).await;
            assert_eq!(status, 200, "{from}: {answer}");
            answer["outcome"].as_str().expect("an outcome").to_owned()
        }
    };
    for (from, expected) in [
        ("33611111111", "applied"),
        ("442071838750", "applied"),
        ("33612345678", "unknown_contact"),
        ("33612345679", "unknown_contact"),
    ] {
        assert_eq!(call(from).await, expected, "a call from {from}");
    }
    assert_eq!(rows(&app, "contact_phones").await, 2);

    // The index is rebuilt from the contacts' phone lists by its migration, as on a database
    // that had contacts before it: the same numbers find the same contact.
    for sql in [
        "DROP TABLE contact_phones",
        "DELETE FROM seaql_migrations WHERE version = 'm20261122_000007_contact_phones'",
    ] {
        app.store.execute_raw(sql).await.expect(sql);
    }
    app.store.migrate().await.expect("migrated again");
    assert_eq!(rows(&app, "contact_phones").await, 2);
    assert_eq!(call("442071838750").await, "applied");
    assert_eq!(call("33612345679").await, "unknown_contact");
    assert_eq!(interactions(&app, &ada).await["totalCount"], 3);
}

#[tokio::test]
async fn ringovers_caller_id_lookup_is_answered_with_the_contact_its_account_and_relationship() {
    let Hooks { app, .. } = app_with_webhooks_and(|s| {
        if let Some(ringover) = s.ringover.as_mut() {
            ringover.contact_url = Some("https://app.example.com/contacts/{id}".to_owned());
        }
    })
    .await;
    let (client, (manager, _)) = app.client_account("Acme").await;
    let ada = person_on(&app, &client, "Ada", "ada@acme.test", "+33612345678").await;
    let bob = person(&app, "Bob", "bob@acme.test", "+4915112345678").await;
    let manager_name = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on TeamMember { name } } }",
            json!({"id": manager}),
        )
        .await
        .ok()
        .data("/node/name")
        .clone();
    let lookup = |direction: &str, from: &str, to: &str| {
        let body = json!({
            "resource": "call", "event": "contact", "timestamp": Utc::now().timestamp(),
            "data": {"call_id": "9001", "direction": direction, "from_number": from, "to_number": to},
        })
        .to_string();
        let signature = sign_webhook(body.as_bytes(), RINGOVER_SECRET);
        (body, signature)
    };
    let before = app.table_counts().await;

    // Ada calls in: Ringover shows her, her account, and that it is a client with its manager.
    let (body, signature) = lookup("inbound", "33612345678", "33199999999");
    let (status, card) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(
        card,
        json!({
            "uuid": ada,
            "firstname": "Ada",
            "lastname": "Lovelace",
            "company": "Acme",
            "url": format!("https://app.example.com/contacts/{ada}"),
            "data": {"Relationship": "Client", "Account manager": manager_name},
            "isShared": true,
        })
    );

    // We call Bob: the callee is looked up. A customer has no account manager.
    let (body, signature) = lookup("outbound", "33199999999", "4915112345678");
    let (status, card) = ringover(&app, Some(&signature), &body).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(
        (&card["uuid"], &card["data"]),
        (&json!(bob), &json!({"Relationship": "Customer"}))
    );

    // A number nobody has, or a hidden one: 204, nothing to show.
    for from in ["33699999999", "anonymous"] {
        let (body, signature) = lookup("inbound", from, "33199999999");
        let (status, answer) = ringover(&app, Some(&signature), &body).await;
        assert_eq!((status, &answer), (204, &Value::Null), "{from}");
    }
    // Unsigned: 401, and nobody is named.
    let (body, _) = lookup("inbound", "33612345678", "33199999999");
    let (status, answer) = ringover(&app, None, &body).await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer.get("firstname").is_none(), "{answer}");
    // A lookup is a read: nothing stored.
    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "interactions").await, 0);
}

#[tokio::test]
async fn a_signed_but_malformed_call_event_answers_400() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let body = json!({"resource": "call", "event": "hangup", "data": {"call_id": 1, "direction": "sideways"}}).to_string();
    let (status, answer) = ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("direction")),
        "{answer}"
    );
}
