//! `Contact.interactions`: newest first by default, or by `AT` / `CREATED_AT` either way, paged
//! forwards and backwards; a cursor of one order is refused under another.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use rapport_api::global_id::{self, Kind};
use rapport_api::store::NewInteraction;
use rapport_domain::contact::{InteractionDirection, InteractionKind};
use rapport_domain::ids::ContactId;
use rapport_tests::spawn_app;
use serde_json::{Value, json};

use super::{Conn, Read, assert_sorted, id, ids};

const QUERY: &str = "query($first: Int, $after: String, $last: Int, $before: String,
  $order: [InteractionOrder!], $id: ID!) {
  node(id: $id) { ... on Contact { interactions(first: $first, after: $after, last: $last,
    before: $before, orderBy: $order) {
    edges { cursor node { at } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }
}";

#[tokio::test]
async fn interactions_sort_by_time_either_way_and_refuse_foreign_cursors() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let contact = app.contact(&account, "Ada", None).await;
    let raw = global_id::decode(Kind::Contact, &contact).expect("a contact id");
    let base = Utc::now() - Duration::days(10);
    let tx = app.store.begin().await.expect("a transaction");
    // `at` out of id order, with a tie; recorded one after the other.
    for (n, hours) in [5, 1, 9, 1, 3, 7].iter().enumerate() {
        tx.insert_interaction(
            &NewInteraction {
                contact: ContactId::new(raw),
                kind: InteractionKind::Call,
                direction: Some(InteractionDirection::Inbound),
                at: base + Duration::hours(*hours),
                duration_seconds: Some(60),
                source: "ringover".to_owned(),
                summary: None,
                external_key: format!("call-{n}"),
            },
            Utc::now() + Duration::seconds(n as i64),
        )
        .await
        .expect("an interaction")
        .expect("a new interaction");
    }
    tx.commit().await.expect("committed");

    let c = Conn {
        app: &app,
        token: app.admin_token.clone(),
        query: QUERY.to_owned(),
        path: "/node/interactions",
        vars: json!({"id": contact}),
    };
    let default = c.walk(&Value::Null, 100, false).await;
    let ranks: HashMap<String, usize> = default
        .iter()
        .map(|n| {
            (
                id(n),
                usize::try_from(n["rowId"].as_i64().expect("id")).expect("id"),
            )
        })
        .collect();
    assert_eq!(ranks.len(), 6);
    assert_sorted(
        &default,
        &[(Read::Instant("/at"), true)],
        &ranks,
        "newest first",
    );
    for (field, read) in [("AT", Read::Instant("/at")), ("CREATED_AT", Read::IdOrder)] {
        for dir in ["ASC", "DESC"] {
            let order = json!([{"field": field, "direction": dir}]);
            let all = c.walk(&order, 100, false).await;
            assert_sorted(&all, &[(read, dir == "DESC")], &ranks, &order.to_string());
            assert_eq!(
                ids(&c.walk(&order, 2, false).await),
                ids(&all),
                "{order} by 2"
            );
            // Backwards (`last`/`before`) in pages of 2 and 4: the same list.
            for size in [2, 4] {
                assert_eq!(
                    ids(&c.walk(&order, size, true).await),
                    ids(&all),
                    "{order} backwards by {size}"
                );
            }
        }
    }

    // A cursor of the default order under another, and the reverse.
    assert_eq!(
        ids(&c.walk(&Value::Null, 4, true).await),
        ids(&default),
        "newest first, backwards by 4"
    );
    let first = c.page(json!({"first": 1})).await.cursors[0].clone();
    let sorted = c
        .page(json!({"first": 1, "order": [{"field": "AT"}]}))
        .await
        .cursors[0]
        .clone();
    for (after, order) in [
        (first, json!([{"field": "AT"}])),
        (sorted.clone(), Value::Null),
        (sorted, json!([{"field": "CREATED_AT"}])),
    ] {
        let res = app
            .gql(
                QUERY,
                json!({"id": contact, "first": 1, "after": after.clone(), "order": order.clone()}),
            )
            .await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some("after"), "{}", res.body);
        let res = app
            .gql(
                QUERY,
                json!({"id": contact, "last": 1, "before": after, "order": order}),
            )
            .await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some("before"), "{}", res.body);
    }
}
