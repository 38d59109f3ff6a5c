//! Paging a sorted list while rows are inserted between requests: forwards and backwards, no
//! row twice, every row that existed at the start exactly once, in order.

use std::collections::HashSet;

use rapport_tests::spawn_app;
use serde_json::{Value, json};

use super::{Conn, Read, assert_sorted, id, query};

#[tokio::test]
async fn paging_a_sorted_list_while_rows_are_inserted_misses_and_repeats_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    // Many equal names: only the id tie-breaker keeps their order.
    for i in 0..12 {
        let name = ["Same", "same", "Other", "Mid"][i % 4];
        app.account_as(&admin, name, json!({})).await;
    }
    let c = Conn {
        app: &app,
        token: admin.clone(),
        query: query("AccountOrder", None, "accounts", "", "name"),
        path: "/accounts",
        vars: json!({}),
    };
    for (dir, backwards) in [
        ("ASC", false),
        ("DESC", false),
        ("ASC", true),
        ("DESC", true),
    ] {
        let order = json!([{"field": "NAME", "direction": dir}]);
        let before: HashSet<String> = c.walk(&order, 100, false).await.iter().map(id).collect();
        let mut seen: Vec<Value> = Vec::new();
        let mut cursor = Value::Null;
        let mut inserted = 0;
        loop {
            let page = if backwards {
                c.page(json!({"last": 3, "before": cursor, "order": order}))
                    .await
            } else {
                c.page(json!({"first": 3, "after": cursor, "order": order}))
                    .await
            };
            // Rows land before, among and after the page just read (for the first pages).
            if inserted < 12 {
                for name in ["aaa", "Same", "zzz", "Mid"] {
                    app.account_as(&admin, name, json!({})).await;
                    inserted += 1;
                }
            }
            let more = if backwards {
                cursor = page.info["startCursor"].clone();
                let mut nodes = page.nodes;
                nodes.extend(seen);
                seen = nodes;
                page.info["hasPreviousPage"] == true
            } else {
                cursor = page.info["endCursor"].clone();
                seen.extend(page.nodes);
                page.info["hasNextPage"] == true
            };
            if !more {
                break;
            }
        }
        let ids: Vec<String> = seen.iter().map(id).collect();
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{dir} backwards={backwards}: a row twice"
        );
        assert!(
            before.is_subset(&unique),
            "{dir} backwards={backwards}: a row missed"
        );
        let ranks = c.ranks().await;
        assert_sorted(
            &seen,
            &[(Read::Text("/name"), dir == "DESC")],
            &ranks,
            &format!("{dir} backwards={backwards}"),
        );
    }
}
