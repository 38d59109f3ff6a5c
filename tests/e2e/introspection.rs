//! Live tooling under the default limits: graphql-js's standard introspection query (every
//! option on) is answered, because introspection has its own depth bound
//! (`graphql.max_introspection_depth`) apart from the data-query depth (`graphql.max_depth`),
//! which still refuses data queries nested past it. Introspection stays bounded, and refused
//! when turned off.

use std::collections::BTreeSet;

use rapport_tests::{Gql, spawn_app, spawn_app_with};
use serde_json::json;

/// graphql-js's `getIntrospectionQuery()` with descriptions, specifiedByUrl,
/// directiveIsRepeatable, schemaDescription, inputValueDeprecation and oneOf on.
const STANDARD_QUERY: &str =
    include_str!("../../api/src/graphql/guard/introspection_query.graphql");

/// Asserts a depth refusal by the guard: 400, no `data`, `QUERY_TOO_COMPLEX`, the setting in
/// `extensions.bound`, and a message saying "nested too deep" and naming the setting.
fn assert_too_deep(res: &Gql, setting: &str, value: u64, limit: u64) {
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.get("data").is_none(), "no data: {}", res.body);
    assert_eq!(res.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", res.body);
    let ext = &res.body["errors"][0]["extensions"];
    assert_eq!(ext["bound"], setting, "{}", res.body);
    assert_eq!(ext["value"], value, "{}", res.body);
    assert_eq!(ext["limit"], limit, "{}", res.body);
    let message = res.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("nested too deep")
            && message.contains(setting)
            && message.contains(&format!("at most {limit}")),
        "the message names the bound and the limit: {message}"
    );
}

/// The named types the SDL defines (`type`, `input`, `enum`, `scalar`, `interface`, `union`).
/// Definitions start at the beginning of a line, outside descriptions (`"""` blocks, whose
/// prose may well have a line starting with "input" or "type"); indented lines are fields.
fn sdl_type_names(sdl: &str) -> BTreeSet<String> {
    let mut in_description = false;
    sdl.lines()
        .filter(|line| {
            if line.trim() == "\"\"\"" {
                in_description = !in_description;
                return false;
            }
            !in_description && !line.starts_with(char::is_whitespace)
        })
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let keyword = words.next()?;
            let name = words.next()?;
            matches!(
                keyword,
                "type" | "input" | "enum" | "scalar" | "interface" | "union"
            )
            .then(|| name.trim_end_matches('{').to_owned())
        })
        .collect()
}

/// `{ accounts(first: 1) { nodes { parent { … id } } } }`: `depth` fields deep, leaf included.
fn data_query(depth: usize) -> String {
    let parents = depth - 3;
    format!(
        "{{ accounts(first: 1) {{ nodes {{ {}id{} }} }} }}",
        "parent { ".repeat(parents),
        " }".repeat(parents)
    )
}

/// `{ __schema { types { fields { type { ofType { … name } } } } } }`: `depth` fields deep.
fn introspection_query(depth: usize) -> String {
    let of_types = depth - 5;
    format!(
        "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
        "ofType { ".repeat(of_types),
        " }".repeat(of_types)
    )
}

#[tokio::test]
async fn the_standard_introspection_query_is_answered_under_default_settings() {
    let app = spawn_app().await;
    let res = app.gql(STANDARD_QUERY, json!({})).await.ok();
    let schema = res.data("/__schema");
    assert_eq!(schema["queryType"]["name"], "Query", "{}", res.body);
    assert_eq!(schema["mutationType"]["name"], "Mutation", "{}", res.body);
    let returned: BTreeSet<String> = schema["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    let sdl = rapport_api::graphql::sdl();
    let defined = sdl_type_names(&sdl);
    assert!(defined.len() > 50, "{defined:?}");
    let missing: Vec<_> = defined.difference(&returned).collect();
    assert!(missing.is_empty(), "types missing: {missing:?}");
    for meta in [
        "__Schema",
        "__Type",
        "__Field",
        "__InputValue",
        "__Directive",
    ] {
        assert!(returned.contains(meta), "{meta} missing");
    }
    // Every option's fields came back: directives with isRepeatable and their arguments.
    let directives = schema["directives"].as_array().expect("directives");
    assert!(
        directives
            .iter()
            .any(|d| d["name"] == "deprecated" && d["isRepeatable"].is_boolean()),
        "{directives:?}"
    );
}

#[tokio::test]
async fn a_data_query_past_max_depth_is_still_refused_under_default_settings() {
    let app = spawn_app().await;
    app.gql(&data_query(12), json!({})).await.ok();
    let res = app.gql(&data_query(13), json!({})).await;
    assert_too_deep(&res, "graphql.max_depth", 13, 12);
    // Beside an introspection selection, too.
    let mixed = data_query(13).replacen("{ accounts", "{ __schema { description } accounts", 1);
    let res = app.gql(&mixed, json!({})).await;
    assert_too_deep(&res, "graphql.max_depth", 13, 12);
}

#[tokio::test]
async fn introspection_past_max_introspection_depth_is_refused_naming_it() {
    let app = spawn_app().await;
    app.gql(&introspection_query(15), json!({})).await.ok();
    let res = app.gql(&introspection_query(16), json!({})).await;
    assert_too_deep(&res, "graphql.max_introspection_depth", 16, 15);

    // The bound is its own setting, whatever the data limit.
    let app = spawn_app_with(|s| {
        s.graphql.max_depth = 30;
        s.graphql.max_introspection_depth = 8;
    })
    .await;
    let res = app.gql(STANDARD_QUERY, json!({})).await;
    assert_too_deep(&res, "graphql.max_introspection_depth", 14, 8);
}

#[tokio::test]
async fn with_introspection_off_the_standard_query_is_still_refused() {
    let app = spawn_app_with(|s| s.graphql.introspection = false).await;
    let res = app.gql(STANDARD_QUERY, json!({})).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.get("data").is_none(), "no data: {}", res.body);
    assert_eq!(
        res.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        res.body
    );
    assert!(
        res.body.to_string().contains("introspection"),
        "{}",
        res.body
    );
}
