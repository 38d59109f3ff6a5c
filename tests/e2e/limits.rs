//! Every request limit: a request at the limit passes, one past it is refused with a clear
//! error. Small limits keep the tests cheap.

use rapport_tests::{Gql, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// POSTs `body` as it is, as the admin, asking for the GraphQL response media type.
async fn post_raw(app: &TestApp, body: String) -> Gql {
    let res = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .bearer_auth(&app.admin_token)
        .body(body)
        .send()
        .await
        .expect("request sent");
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    Gql { status, body }
}

fn message(res: &Gql) -> &str {
    res.body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no error message: {}", res.body))
}

/// Asserts a request error: 400 (or `status`), no `data`, the code, and a message naming
/// the limit.
fn assert_refused(res: &Gql, status: u16, code: &str, words: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    assert!(res.body.get("data").is_none(), "no data: {}", res.body);
    assert_eq!(res.error_code(), Some(code), "{}", res.body);
    assert!(
        message(res).contains(words),
        "the message says {words:?}: {}",
        res.body
    );
}

/// A body of exactly `size` bytes running `{ viewer { subject } }`, padded in an unused
/// variable.
fn body_of(size: usize) -> String {
    let empty = json!({"query": "{ viewer { subject } }", "variables": {"pad": ""}}).to_string();
    let pad = "x".repeat(size - empty.len());
    let body = json!({"query": "{ viewer { subject } }", "variables": {"pad": pad}}).to_string();
    assert_eq!(body.len(), size);
    body
}

#[tokio::test]
async fn a_request_body_at_the_size_limit_passes_and_one_byte_more_is_413() {
    let app = spawn_app_with(|s| {
        s.http.max_body_bytes = 2048;
        s.graphql.max_query_bytes = 1024;
    })
    .await;
    let at = post_raw(&app, body_of(2048)).await.ok();
    assert_eq!(at.status, 200);
    assert_eq!(at.data("/viewer/subject"), "bootstrap-admin");

    let past = post_raw(&app, body_of(2049)).await;
    assert_refused(&past, 413, "BAD_REQUEST", "larger than 2048 bytes");

    // The cap holds before parsing: a huge body that is not even JSON is refused the same way.
    let garbage = post_raw(&app, "[".repeat(100_000)).await;
    assert_eq!(garbage.status, 413, "{}", garbage.body);
}

/// `{ viewer { subject } }` padded with a comment to exactly `size` bytes.
fn query_of(size: usize) -> String {
    let base = "{ viewer { subject } }\n#";
    format!("{base}{}", "x".repeat(size - base.len()))
}

#[tokio::test]
async fn a_query_document_at_the_size_limit_passes_and_one_byte_more_is_refused() {
    let app = spawn_app_with(|s| s.graphql.max_query_bytes = 1024).await;
    let at = app.gql(&query_of(1024), json!({})).await.ok();
    assert_eq!(at.data("/viewer/subject"), "bootstrap-admin");

    let past = app.gql(&query_of(1025), json!({})).await;
    assert_refused(&past, 413, "QUERY_TOO_COMPLEX", "larger than 1024 bytes");
}

#[tokio::test]
async fn a_query_at_the_depth_limit_passes_and_one_level_deeper_is_refused() {
    let app = spawn_app_with(|s| s.graphql.max_depth = 3).await;
    let at = app
        .gql("{ viewer { teamMember { name } } }", json!({}))
        .await
        .ok();
    assert!(
        at.data("/viewer/teamMember/name").is_string(),
        "{}",
        at.body
    );

    let past = app
        .gql(
            "{ viewer { teamMember { managedAccounts { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_refused(&past, 400, "QUERY_TOO_COMPLEX", "nested too deep");

    // Fragments count too.
    let via_fragment = app
        .gql(
            "{ viewer { ...M } } fragment M on Viewer { teamMember { managedAccounts { totalCount } } }",
            json!({}),
        )
        .await;
    assert_refused(&via_fragment, 400, "QUERY_TOO_COMPLEX", "nested too deep");
}

/// `levels` inline fragments nested in one another around `__typename`.
fn nested_fragments(levels: usize) -> String {
    format!(
        "{{ {}__typename{} }}",
        "... on Query { ".repeat(levels),
        " }".repeat(levels)
    )
}

#[tokio::test]
async fn selections_nested_64_deep_pass_and_65_deep_are_refused_as_too_complex() {
    let app = spawn_app().await;
    let at = app.gql(&nested_fragments(64), json!({})).await.ok();
    assert_eq!(at.data("/__typename"), "Query");

    let past = app.gql(&nested_fragments(65), json!({})).await;
    assert_refused(&past, 400, "QUERY_TOO_COMPLEX", "recursion");
}

#[tokio::test]
async fn a_query_at_the_complexity_limit_passes_and_a_costlier_one_is_refused() {
    // `accounts(first: n) { nodes { id } }` can answer the connection and n accounts: it
    // costs n + 1 (the cost model counts objects; `id` is a scalar and costs nothing).
    let app = spawn_app_with(|s| s.graphql.max_complexity = 5).await;
    let at = app
        .gql("{ accounts(first: 4) { nodes { id } } }", json!({}))
        .await
        .ok();
    assert!(at.data("/accounts/nodes").is_array());

    let past = app
        .gql("{ accounts(first: 5) { nodes { id } } }", json!({}))
        .await;
    assert_refused(&past, 400, "QUERY_TOO_COMPLEX", "too complex");
    assert_eq!(
        past.body["errors"][0]["extensions"]["cost"], 6,
        "{}",
        past.body
    );
    assert_eq!(
        past.body["errors"][0]["extensions"]["limit"], 5,
        "{}",
        past.body
    );

    // The page size in a variable counts the same.
    let via_variable = app
        .gql(
            "query($n: Int) { accounts(first: $n) { nodes { id } } }",
            json!({"n": 5}),
        )
        .await;
    assert_refused(&via_variable, 400, "QUERY_TOO_COMPLEX", "too complex");
}

#[tokio::test]
async fn a_document_at_the_selection_limit_passes_and_one_more_selection_is_refused() {
    // Selections once fragments are spread: viewer, subject, role = 3 per spread.
    let app = spawn_app_with(|s| s.graphql.max_selections = 7).await;
    let doc = |times: usize| {
        format!(
            "{{ {} }} fragment V on Query {{ viewer {{ subject role }} }}",
            "...V ".repeat(times)
        )
    };
    // Two spreads: 2 × (spread + viewer + subject + role) = 8 — one too many.
    let past = app.gql(&doc(2), json!({})).await;
    assert_refused(&past, 400, "QUERY_TOO_COMPLEX", "graphql.max_selections");
    let at = app
        .gql(
            "{ viewer { subject role } a: viewer { subject role } b: __typename }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(at.data("/a/subject"), "bootstrap-admin");
}

#[tokio::test]
async fn a_document_at_the_alias_limit_passes_and_one_more_alias_is_refused() {
    let app = spawn_app_with(|s| s.graphql.max_aliases = 3).await;
    let at = app
        .gql(
            "{ a: viewer { subject } b: viewer { role } c: __typename }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(at.data("/a/subject"), "bootstrap-admin");

    let past = app
        .gql(
            "{ a: viewer { subject } b: viewer { role } c: __typename d: __typename }",
            json!({}),
        )
        .await;
    assert_refused(&past, 400, "QUERY_TOO_COMPLEX", "4 aliases");

    // Aliases hidden in fragments count too.
    let in_fragment = app
        .gql(
            "{ a: viewer { subject } ...F } fragment F on Query { b: __typename c: __typename d: __typename }",
            json!({}),
        )
        .await;
    assert_refused(&in_fragment, 400, "QUERY_TOO_COMPLEX", "aliases");
}

#[tokio::test]
async fn a_field_at_the_directive_limit_passes_and_one_more_directive_is_refused() {
    let app = spawn_app_with(|s| s.graphql.max_directives = 2).await;
    let at = app
        .gql(
            "{ viewer { subject @include(if: true) @skip(if: false) } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(at.data("/viewer/subject"), "bootstrap-admin");

    let past = app
        .gql(
            "{ viewer { subject @include(if: true) @include(if: true) @include(if: true) } }",
            json!({}),
        )
        .await;
    assert_refused(&past, 400, "QUERY_TOO_COMPLEX", "directives");
}

#[tokio::test]
async fn batched_requests_are_refused_even_with_a_single_operation() {
    let app = spawn_app().await;
    let one = post_raw(
        &app,
        json!([{"query": "{ viewer { subject } }"}]).to_string(),
    )
    .await;
    assert_refused(&one, 400, "BAD_REQUEST", "batch");

    let single = post_raw(&app, json!({"query": "{ viewer { subject } }"}).to_string())
        .await
        .ok();
    assert_eq!(single.data("/viewer/subject"), "bootstrap-admin");
}

#[tokio::test]
async fn nodes_takes_at_most_100_ids() {
    let app = spawn_app().await;
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let ids = |n: usize| vec!["nope"; n];
    let at = app.gql(query, json!({"ids": ids(100)})).await;
    assert_eq!(
        at.data("/nodes").as_array().map(Vec::len),
        Some(100),
        "{}",
        at.body
    );
    assert_eq!(at.error_code(), Some("NOT_FOUND"));

    let past = app.gql(query, json!({"ids": ids(101)})).await;
    assert_eq!(past.error_code(), Some("BAD_USER_INPUT"), "{}", past.body);
    assert_eq!(past.error_field(), Some("ids"));
}

const INTROSPECTION: &str = "{ __schema { types { name } } }";

#[tokio::test]
async fn introspection_is_on_by_default_and_serves_the_sdl() {
    let app = spawn_app().await;
    let res = app.gql(INTROSPECTION, json!({})).await.ok();
    assert!(
        res.data("/__schema/types")
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["name"] == "Account"))
    );
    let sdl = app
        .client()
        .get(format!("{}/graphql/schema.graphql", app.address))
        .send()
        .await
        .expect("request sent");
    assert_eq!(sdl.status().as_u16(), 200);
}

#[tokio::test]
async fn introspection_turned_off_refuses_schema_queries_and_hides_the_sdl() {
    let app = spawn_app_with(|s| s.graphql.introspection = false).await;
    let res = app.gql(INTROSPECTION, json!({})).await;
    assert_refused(&res, 400, "GRAPHQL_VALIDATION_FAILED", "introspection");
    assert!(
        !res.body.to_string().contains("\"Account\""),
        "no type names: {}",
        res.body
    );

    let by_type = app
        .gql(
            "{ __type(name: \"Account\") { fields { name } } }",
            json!({}),
        )
        .await;
    assert_refused(&by_type, 400, "GRAPHQL_VALIDATION_FAILED", "introspection");
    assert!(!by_type.body.to_string().contains("accountManager"));

    // Hidden in a fragment or under an alias, it is refused all the same.
    let hidden = app
        .gql(
            "{ ...F } fragment F on Query { s: __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_refused(&hidden, 400, "GRAPHQL_VALIDATION_FAILED", "introspection");

    // Ordinary queries still work, __typename included.
    let ok = app
        .gql("{ __typename viewer { subject } }", json!({}))
        .await
        .ok();
    assert_eq!(ok.data("/__typename"), "Query");

    let sdl = app
        .client()
        .get(format!("{}/graphql/schema.graphql", app.address))
        .send()
        .await
        .expect("request sent");
    assert_eq!(sdl.status().as_u16(), 404);
}

#[tokio::test]
async fn search_text_is_capped_at_200_characters_naming_the_filter_field() {
    let app = spawn_app().await;
    let at = "a".repeat(200);
    let past = "a".repeat(201);
    for (query, filter_at, filter_past, field) in [
        (
            "query($f: AccountFilter) { accounts(filter: $f) { nodes { id } } }",
            json!({"search": at}),
            json!({"search": past}),
            "filter.search",
        ),
        (
            "query($f: ContactFilter) { contacts(filter: $f) { nodes { id } } }",
            json!({"search": at}),
            json!({"search": past}),
            "filter.search",
        ),
        (
            "query($f: ContactFilter) { contacts(filter: $f) { nodes { id } } }",
            json!({"account": {"search": at}}),
            json!({"account": {"search": past}}),
            "filter.account.search",
        ),
    ] {
        app.gql(query, json!({"f": filter_at})).await.ok();
        let res = app.gql(query, json!({"f": filter_past})).await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some(field), "{}", res.body);
    }
}
