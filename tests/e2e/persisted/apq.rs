use rapport_tests::{spawn_app, spawn_app_with};
use serde_json::json;

use super::*;

#[tokio::test]
async fn a_hash_the_server_does_not_know_answers_persisted_query_not_found_as_apollo_expects() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    for res in [
        post_hash(&app, &token, VIEWER).await,
        get_hash(&app, &token, &sha256(VIEWER)).await,
    ] {
        // 200 with the message and code the link retries on, and no `data`.
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(message(&res), "PersistedQueryNotFound");
        assert_eq!(res.error_code(), Some("PERSISTED_QUERY_NOT_FOUND"));
        assert!(res.body.get("data").is_none(), "{}", res.body);
    }
}

#[tokio::test]
async fn a_query_sent_with_its_hash_runs_and_later_runs_by_hash_alone_on_post_and_get() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let first = post_with_hash(&app, &token, VIEWER).await.ok();
    assert_eq!(first.data("/viewer/role"), "ADMIN");
    let by_post = post_hash(&app, &token, VIEWER).await.ok();
    assert_eq!(by_post.data("/viewer/role"), "ADMIN");
    let by_get = get_hash(&app, &token, &sha256(VIEWER)).await.ok();
    assert_eq!(by_get.status, 200);
    assert_eq!(by_get.data("/viewer/subject"), "bootstrap-admin");
    // The hash names the document, not the caller: another member runs it as themselves.
    let (_, viewer) = app.member("VIEWER").await;
    let theirs = get_hash(&app, &viewer, &sha256(VIEWER)).await.ok();
    assert_eq!(theirs.data("/viewer/role"), "VIEWER");
}

#[tokio::test]
async fn a_hash_that_is_not_the_querys_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let other = "query { viewer { role } }";
    let res = post(
        &app,
        &token,
        json!({"query": VIEWER, "extensions": pq(&sha256(other))}),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(
        res.error_field(),
        Some("extensions.persistedQuery.sha256Hash")
    );
    assert_eq!(message(&res), "provided sha does not match query");
    for hash in [sha256(other), sha256(VIEWER)] {
        let res = post(&app, &token, json!({"extensions": pq(&hash)})).await;
        assert_eq!(res.error_code(), Some("PERSISTED_QUERY_NOT_FOUND"));
    }
}

#[tokio::test]
async fn a_document_that_fails_validation_is_not_stored() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let invalid = "query { viewer { noSuchField } }";
    let res = post_with_hash(&app, &token, invalid).await;
    assert_eq!(res.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    let res = post_hash(&app, &token, invalid).await;
    assert_eq!(res.error_code(), Some("PERSISTED_QUERY_NOT_FOUND"));
}

#[tokio::test]
async fn a_mutation_stored_by_its_hash_is_refused_over_get_and_runs_over_post() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let create = "mutation Create { createPartner(input: {name: \"Hashed\"}) { partner { id } } }";
    post_with_hash(&app, &token, create).await.ok();
    let res = get_hash(&app, &token, &sha256(create)).await;
    assert_eq!(res.status, 405, "{}", res.body);
    assert!(message(&res).contains("only queries may be sent with GET"));
    post_hash(&app, &token, create).await.ok();
    let count = app
        .gql(
            "{ partners(first: 10) { edges { node { name } } } }",
            json!({}),
        )
        .await
        .ok();
    let names: Vec<_> = count
        .data("/partners/edges")
        .as_array()
        .expect("edges")
        .to_vec();
    assert_eq!(names.len(), 2, "POST twice, GET never ran: {names:?}");
}

#[tokio::test]
async fn the_store_keeps_at_most_apq_cache_size_documents_least_recently_used_out() {
    let app = spawn_app_with(|s| s.graphql.apq_cache_size = 2).await;
    let token = app.admin_token.clone();
    let docs: Vec<String> = (0..3)
        .map(|n| format!("query Q{n} {{ viewer {{ role }} }}"))
        .collect();
    for doc in &docs {
        post_with_hash(&app, &token, doc).await.ok();
    }
    let res = post_hash(&app, &token, &docs[0]).await;
    assert_eq!(
        res.error_code(),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "evicted"
    );
    for doc in &docs[1..] {
        post_hash(&app, &token, doc).await.ok();
    }
}

#[tokio::test]
async fn the_store_keeps_at_most_apq_cache_bytes_of_documents() {
    // Each document is padded to ~1.5 KiB: two do not fit in 2 KiB.
    let app = spawn_app_with(|s| {
        s.graphql.max_query_bytes = 2048;
        s.graphql.apq_cache_bytes = 2048;
    })
    .await;
    let token = app.admin_token.clone();
    let pad = format!("#{}\n", "x".repeat(1500));
    let docs: Vec<String> = (0..2)
        .map(|n| format!("{pad}query Q{n} {{ viewer {{ role }} }}"))
        .collect();
    for doc in &docs {
        post_with_hash(&app, &token, doc).await.ok();
    }
    let res = post_hash(&app, &token, &docs[0]).await;
    assert_eq!(
        res.error_code(),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "evicted"
    );
    post_hash(&app, &token, &docs[1]).await.ok();
}

#[tokio::test]
async fn with_automatic_persisted_queries_off_a_bare_hash_is_not_supported() {
    let app = spawn_app_with(|s| s.graphql.apq_enabled = false).await;
    let token = app.admin_token.clone();
    let res = post_hash(&app, &token, VIEWER).await;
    assert_eq!(res.status, 200);
    assert_eq!(message(&res), "PersistedQueryNotSupported");
    assert_eq!(res.error_code(), Some("PERSISTED_QUERY_NOT_SUPPORTED"));
    post_with_hash(&app, &token, VIEWER).await.ok();
    let res = post_hash(&app, &token, VIEWER).await;
    assert_eq!(res.error_code(), Some("PERSISTED_QUERY_NOT_SUPPORTED"));
}
