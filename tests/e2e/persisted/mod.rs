//! Persisted queries through HTTP: Apollo's automatic persisted queries (a hash first, the text
//! when asked, then the hash alone on POST and GET) and trusted-documents mode (only registered
//! documents run, per role when configured; a bad documents file stops the server starting).

mod apq;
mod process;
mod trusted;

use rapport_tests::{Gql, TestApp};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const VIEWER: &str = "query Viewer { viewer { subject role } }";

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn pq(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

async fn read(res: reqwest::Response) -> Gql {
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    Gql { status, body }
}

/// POSTs `body` as `token`, asking for graphql-response+json.
async fn post(app: &TestApp, token: &str, body: Value) -> Gql {
    let res = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    read(res).await
}

/// POSTs only the hash of `query` (Apollo's first try).
async fn post_hash(app: &TestApp, token: &str, query: &str) -> Gql {
    post(app, token, json!({"extensions": pq(&sha256(query))})).await
}

/// POSTs `query` with its hash (Apollo's retry, which registers it).
async fn post_with_hash(app: &TestApp, token: &str, query: &str) -> Gql {
    post(
        app,
        token,
        json!({"query": query, "extensions": pq(&sha256(query))}),
    )
    .await
}

/// GETs `hash` alone, as the link's `useGETForHashedQueries` does.
async fn get_hash(app: &TestApp, token: &str, hash: &str) -> Gql {
    let res = app
        .client()
        .get(format!("{}/graphql", app.address))
        .query(&[("extensions", pq(hash).to_string())])
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    read(res).await
}

fn message(res: &Gql) -> &str {
    res.body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_default()
}
