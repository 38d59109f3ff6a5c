//! A page of accounts, read as the tests need it.

use rapport_tests::TestApp;
use serde_json::{Value, json};

pub(super) const ACCOUNTS_PAGE: &str =
    "query($first: Int, $after: String, $last: Int, $before: String) {
  accounts(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

pub(super) fn names(page: &Value) -> Vec<String> {
    page.pointer("/edges")
        .and_then(Value::as_array)
        .expect("edges")
        .iter()
        .map(|e| {
            e.pointer("/node/name")
                .and_then(Value::as_str)
                .expect("name")
                .to_owned()
        })
        .collect()
}

pub(super) fn flag(page: &Value, name: &str) -> bool {
    page.pointer(&format!("/pageInfo/{name}"))
        .and_then(Value::as_bool)
        .expect("page info flag")
}

pub(super) fn cursor(page: &Value, name: &str) -> String {
    page.pointer(&format!("/pageInfo/{name}"))
        .and_then(Value::as_str)
        .expect("cursor")
        .to_owned()
}

/// Ids at `pointer` (an array of objects with `id`).
pub(super) fn ids_at(res: &rapport_tests::Gql, pointer: &str) -> Vec<String> {
    res.data(pointer)
        .as_array()
        .unwrap_or_else(|| panic!("no list at {pointer}: {}", res.body))
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

pub(super) async fn accounts_named(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let admin = app.admin_token.clone();
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("{prefix} {i:02}");
        app.account_as(&admin, &name, json!({})).await;
        names.push(name);
    }
    names
}
