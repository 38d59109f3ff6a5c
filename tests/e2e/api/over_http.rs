//! The SDL and GraphQL over HTTP: GET, batching, media types.

use rapport_tests::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn the_served_sdl_is_the_schema_and_has_the_node_interface() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(format!("{}/graphql/schema.graphql", app.address))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 200);
    let served = res.text().await.expect("body");
    assert_eq!(served, rapport_api::graphql::sdl());
    assert!(served.contains("interface Node"));
}

#[tokio::test]
async fn a_mutation_sent_with_get_is_refused_with_405_and_allow_post() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(format!("{}/graphql", app.address))
        .query(&[(
            "query",
            "mutation { createPartner(input: {name: \"Via GET\"}) { partner { id } } }",
        )])
        .header("accept", "application/graphql-response+json")
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(
        res.headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .expect("an Allow header"),
        "POST"
    );
    let counts = app.table_counts().await;
    let partners = counts
        .iter()
        .find(|(t, _)| *t == "partners")
        .expect("partners")
        .1;
    assert_eq!(partners, 0, "the mutation did not run");

    // A query over GET works.
    let ok = app
        .client()
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ viewer { subject } }")])
        .header("accept", "application/json")
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(ok.status().as_u16(), 200);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(
        body.pointer("/data/viewer/subject"),
        Some(&json!("bootstrap-admin"))
    );
}

#[tokio::test]
async fn a_json_array_body_is_refused_because_batching_is_not_supported() {
    let app = spawn_app().await;
    let res = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .bearer_auth(&app.admin_token)
        .json(&json!([{"query": "{ viewer { subject } }"}, {"query": "{ viewer { role } }"}]))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.expect("json");
    assert!(body.get("data").is_none(), "{body}");
    let message = body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .expect("message");
    assert!(message.contains("batch"), "{message}");
}

#[tokio::test]
async fn the_response_media_type_follows_the_accept_header() {
    let app = spawn_app().await;
    let send = async |accept: &str, query: &str| {
        app.client()
            .post(format!("{}/graphql", app.address))
            .header("accept", accept)
            .bearer_auth(&app.admin_token)
            .json(&json!({"query": query}))
            .send()
            .await
            .expect("request sent")
    };
    let content_type = |res: &reqwest::Response| {
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    let json_res = send("application/json", "{ viewer { subject } }").await;
    assert_eq!(json_res.status().as_u16(), 200);
    assert!(
        content_type(&json_res).starts_with("application/json"),
        "{}",
        content_type(&json_res)
    );

    let gql_res = send(
        "application/graphql-response+json",
        "{ viewer { subject } }",
    )
    .await;
    assert!(content_type(&gql_res).starts_with("application/graphql-response+json"));

    let parse_error = send("application/graphql-response+json", "{ viewer { subject ").await;
    assert_eq!(parse_error.status().as_u16(), 400);
    assert!(content_type(&parse_error).starts_with("application/graphql-response+json"));
    let body: Value = parse_error.json().await.expect("json");
    assert!(body.get("data").is_none(), "no data key: {body}");
    assert!(body.pointer("/errors/0/message").is_some(), "{body}");

    // Legacy clients get 200 for the same request error.
    let legacy = send("application/json", "{ viewer { subject ").await;
    assert_eq!(legacy.status().as_u16(), 200);
}
