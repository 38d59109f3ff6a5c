//! Contacts: LAST_NAME, FIRST_NAME and EMAIL (case-insensitive, empty values last ascending),
//! CREATED_AT; top-level and under their account.

use rapport_tests::spawn_app;
use serde_json::json;

use super::{Conn, Read, query};

const SELECTION: &str = "firstName lastName email createdAt";

fn fields() -> Vec<(&'static str, Read)> {
    vec![
        ("LAST_NAME", Read::Text("/lastName")),
        ("FIRST_NAME", Read::Text("/firstName")),
        ("EMAIL", Read::Text("/email")),
        ("CREATED_AT", Read::Instant("/createdAt")),
    ]
}

#[tokio::test]
async fn contacts_sort_by_every_field_both_ways_with_empty_values_last() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let account = app.account_as(&admin, "Acme", json!({})).await;
    let other = app.account_as(&admin, "Other", json!({})).await;
    let people = [
        ("ada", Some("Lovelace"), Some("Ada@Example.com")),
        ("Bob", None, Some("bob@example.com")),
        ("Ada", Some("lovelace"), None),
        ("Émile", Some("Zola"), Some("emile@example.com")),
        ("carl", Some("Älv"), None),
        ("Dan", None, None),
        ("bob", Some("ZOLA"), Some("BOB2@example.com")),
    ];
    for (i, (first, last, email)) in people.iter().enumerate() {
        let on = if i % 3 == 2 { &other } else { &account };
        app.contact_with(
            json!({"accountId": on, "firstName": first, "lastName": last, "email": email}),
        )
        .await;
    }
    let top = Conn {
        app: &app,
        token: admin.clone(),
        query: query("ContactOrder", None, "contacts", "", SELECTION),
        path: "/contacts",
        vars: json!({}),
    };
    assert_eq!(top.check_fields(&fields(), 2).await, 7);

    // Empty last names come last ascending and first descending.
    let asc = top.walk(&json!([{"field": "LAST_NAME"}]), 100, false).await;
    let last: Vec<_> = asc.iter().map(|n| n["lastName"].clone()).collect();
    assert!(last[5].is_null() && last[6].is_null(), "{last:?}");
    let desc = top
        .walk(
            &json!([{"field": "LAST_NAME", "direction": "DESC"}]),
            100,
            false,
        )
        .await;
    assert!(desc[0]["lastName"].is_null() && desc[1]["lastName"].is_null());

    // Two keys: last name, then first name descending.
    let ranks = top.ranks().await;
    top.check_order(
        &json!([{"field": "LAST_NAME"}, {"field": "FIRST_NAME", "direction": "DESC"}]),
        &[
            (Read::Text("/lastName"), false),
            (Read::Text("/firstName"), true),
        ],
        &ranks,
        3,
    )
    .await;

    let nested = Conn {
        app: &app,
        token: admin.clone(),
        query: query(
            "ContactOrder",
            Some(("node", "Account")),
            "contacts",
            "",
            SELECTION,
        ),
        path: "/node/contacts",
        vars: json!({"id": account}),
    };
    assert_eq!(nested.check_fields(&fields(), 2).await, 5);
}
