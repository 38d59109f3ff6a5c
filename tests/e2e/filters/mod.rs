//! Filters a screen needs: agreements by status set, account, relationship and date windows;
//! the credit ledger by period, account and metric (and across agreements); the audit log by
//! day window, actor and entity; accounts by the compliance of their agreements in force.
//! Every filter is the AND of its parts, keeps keyset pages, stays inside a partner's scope,
//! and answers BAD_USER_INPUT naming the input field for bad input.

mod agreements;
mod audit;
mod compliance;
mod credits;

use rapport_tests::Gql;
use serde_json::Value;

/// The ids of the nodes at `pointer` (a connection), in order.
fn ids(res: &Gql, pointer: &str) -> Vec<String> {
    res.data(&format!("{pointer}/nodes"))
        .as_array()
        .unwrap_or_else(|| panic!("no nodes at {pointer}: {}", res.body))
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Sorted copies of `ids`, for comparing sets.
fn set(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

/// Asserts a BAD_USER_INPUT naming `field`.
fn refused(res: &Gql, field: &str) {
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some(field), "{}", res.body);
    assert!(
        res.body.get("data").is_none_or(Value::is_null) || res.body["data"].is_object(),
        "{}",
        res.body
    );
}
