//! Operating the server: health, readiness, request ids.

use rapport_tests::spawn_app;

#[tokio::test]
async fn health_answers_while_readiness_follows_the_database() {
    let app = spawn_app().await;
    let get = |path: &str| app.client().get(format!("{}{path}", app.address)).send();
    assert_eq!(get("/healthz").await.expect("sent").status().as_u16(), 200);
    assert_eq!(get("/readyz").await.expect("sent").status().as_u16(), 200);
    app.store.clone().close().await;
    assert_eq!(get("/readyz").await.expect("sent").status().as_u16(), 503);
    assert_eq!(get("/healthz").await.expect("sent").status().as_u16(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept() {
    let app = spawn_app().await;
    let id_of = |res: &reqwest::Response| {
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let generated = app
        .client()
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("sent");
    let generated = id_of(&generated).expect("a generated id");
    assert_eq!(generated.len(), 36, "a uuid: {generated}");
    let kept = app
        .client()
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(id_of(&kept).as_deref(), Some("abc-123"));
    let replaced = app
        .client()
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "not sane; <script>")
        .send()
        .await
        .expect("sent");
    assert_ne!(id_of(&replaced).as_deref(), Some("not sane; <script>"));
}

#[tokio::test]
async fn a_browser_opening_graphql_gets_graphiql_and_a_client_gets_json() {
    let app = spawn_app().await;
    let page = app
        .client()
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("body");
    assert!(
        html.contains("GraphiQL") && html.contains("/graphiql/rapport-graphiql.js"),
        "{html}"
    );
}
