use std::path::{Path, PathBuf};

use rapport_tests::{TestApp, spawn_app_with};
use serde_json::{Map, Value, json};

use super::*;

const ACCOUNTS: &str = "query Accounts { accounts(first: 5) { edges { node { name } } } }";
// The harness's own `partner()` and `member()` fixtures: staff need these to create the
// callers below.
const CREATE_MEMBER: &str = "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }";
const CREATE_PARTNER: &str =
    "mutation($name: String!) { createPartner(input: {name: $name}) { partner { id } } }";
const ISSUE_TOKEN: &str =
    "mutation($id: ID!) { issuePartnerToken(input: {partnerId: $id}) { token } }";

/// Writes a documents file as graphql-codegen's client preset does (`{ hash: text }`).
fn documents(dir: &Path, name: &str, docs: &[&str]) -> PathBuf {
    let map: Map<String, Value> = docs
        .iter()
        .map(|d| (sha256(d), Value::String((*d).to_owned())))
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, Value::Object(map).to_string()).expect("documents file");
    path
}

async fn trusted_app(dir: &Path, per_role: bool) -> TestApp {
    let all = documents(
        dir,
        "all.json",
        &[VIEWER, ACCOUNTS, CREATE_PARTNER, ISSUE_TOKEN, CREATE_MEMBER],
    );
    let partner = documents(dir, "partner.json", &[VIEWER]);
    spawn_app_with(move |s| {
        s.graphql.trusted_documents_only = true;
        s.graphql.trusted_documents = Some(all);
        if per_role {
            s.graphql
                .trusted_documents_by_role
                .insert("PARTNER".into(), partner);
        }
    })
    .await
}

fn assert_not_allowed(res: &Gql) {
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(
        res.error_code(),
        Some("PERSISTED_QUERY_NOT_ALLOWED"),
        "{}",
        res.body
    );
    assert!(res.body.get("data").is_none());
}

#[tokio::test]
async fn in_trusted_mode_registered_documents_run_by_text_or_hash_and_nothing_else_does() {
    let dir = tempfile::tempdir().expect("dir");
    let app = trusted_app(dir.path(), false).await;
    let token = app.admin_token.clone();
    let by_text = post(&app, &token, json!({"query": VIEWER})).await.ok();
    assert_eq!(by_text.data("/viewer/role"), "ADMIN");
    post_hash(&app, &token, VIEWER).await.ok();
    post_with_hash(&app, &token, VIEWER).await.ok();
    let by_get = get_hash(&app, &token, &sha256(VIEWER)).await.ok();
    assert_eq!(by_get.data("/viewer/role"), "ADMIN");

    let unregistered = "query { viewer { role } }";
    assert_not_allowed(&post(&app, &token, json!({"query": unregistered})).await);
    // Automatic registration is off: the text with its hash is refused, and stays unknown.
    assert_not_allowed(&post_with_hash(&app, &token, unregistered).await);
    assert_not_allowed(&post_hash(&app, &token, unregistered).await);
    assert_not_allowed(&get_hash(&app, &token, &sha256(unregistered)).await);
    // A legacy application/json client gets the same refusal with 200, as for any request
    // error.
    let legacy = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/json")
        .bearer_auth(&token)
        .json(&json!({"query": unregistered}))
        .send()
        .await
        .expect("sent");
    let legacy = read(legacy).await;
    assert_eq!(legacy.status, 200);
    assert_eq!(legacy.error_code(), Some("PERSISTED_QUERY_NOT_ALLOWED"));
}

#[tokio::test]
async fn a_role_with_its_own_documents_file_runs_only_those_while_staff_run_the_full_set() {
    let dir = tempfile::tempdir().expect("dir");
    let app = trusted_app(dir.path(), true).await;
    let (_, partner) = app.partner("Reseller").await;
    let mine = post(&app, &partner, json!({"query": VIEWER})).await.ok();
    assert_eq!(mine.data("/viewer/role"), "PARTNER");
    get_hash(&app, &partner, &sha256(VIEWER)).await.ok();
    assert_not_allowed(&post(&app, &partner, json!({"query": ACCOUNTS})).await);
    assert_not_allowed(&post_hash(&app, &partner, ACCOUNTS).await);
    let (_, viewer) = app.member("VIEWER").await;
    post(&app, &viewer, json!({"query": ACCOUNTS})).await.ok();
    post_hash(&app, &viewer, ACCOUNTS).await.ok();
}

#[tokio::test]
async fn without_a_file_of_its_own_a_partner_runs_the_shared_set() {
    let dir = tempfile::tempdir().expect("dir");
    let app = trusted_app(dir.path(), false).await;
    let (_, partner) = app.partner("Reseller").await;
    post(&app, &partner, json!({"query": ACCOUNTS})).await.ok();
}
