//! Optimistic concurrency, and a database failure that answers INTERNAL without leaking.

use rapport_tests::spawn_app;
use serde_json::{Value, json};

const UPDATE_ACCOUNT: &str = "mutation($input: UpdateAccountInput!) {
  updateAccount(input: $input) { account { name version } }
}";

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Versioned", json!({}))
        .await;
    app.gql(
        UPDATE_ACCOUNT,
        json!({"input": {"accountId": account, "expectedVersion": 1, "name": "Versioned 2"}}),
    )
    .await
    .ok();

    let before = app.table_counts().await;
    let stale = app
        .gql(
            UPDATE_ACCOUNT,
            json!({"input": {"accountId": account, "expectedVersion": 1, "name": "Lost update"}}),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    assert_eq!(
        app.table_counts().await,
        before,
        "a conflict writes nothing"
    );

    let now = app
        .gql(
            "query($id: ID!) { account(id: $id) { name version } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(now.data("/account/name"), "Versioned 2");
    assert_eq!(now.data("/account/version"), 2);
}

#[tokio::test]
async fn of_two_concurrent_updates_with_the_same_version_exactly_one_wins() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Contended", json!({}))
        .await;
    let update = |name: &'static str| {
        app.gql(
            UPDATE_ACCOUNT,
            json!({"input": {"accountId": account, "expectedVersion": 1, "name": name}}),
        )
    };
    let (a, b) = tokio::join!(update("Writer A"), update("Writer B"));
    let codes = [a.error_code(), b.error_code()];
    let winners: Vec<&rapport_tests::Gql> = [&a, &b]
        .into_iter()
        .filter(|r| r.error_code().is_none())
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one wins: {} / {}",
        a.body,
        b.body
    );
    assert!(
        codes.contains(&Some("CONFLICT")),
        "the loser gets CONFLICT: {} / {}",
        a.body,
        b.body
    );
    let winner_name = winners[0]
        .data("/updateAccount/account/name")
        .as_str()
        .expect("name")
        .to_owned();

    let now = app
        .gql(
            "query($id: ID!) { account(id: $id) { name version } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(now.data("/account/name"), winner_name.as_str());
    assert_eq!(now.data("/account/version"), 2);
}

const LEAKY_WORDS: [&str; 8] = [
    "sqlite",
    "SQL",
    "no such table",
    "contact_tags",
    "DbErr",
    "sqlx",
    "postgres",
    "relation",
];

fn assert_internal_without_leaks(res: &rapport_tests::Gql) {
    assert_eq!(res.error_code(), Some("INTERNAL"), "{}", res.body);
    let rid = res
        .body
        .pointer("/errors/0/extensions/requestId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        !rid.is_empty(),
        "an internal error carries a request id: {}",
        res.body
    );
    let text = res.body.to_string();
    for word in LEAKY_WORDS {
        assert!(!text.contains(word), "the response leaks {word:?}: {text}");
    }
}

#[tokio::test]
async fn a_database_failure_answers_internal_with_a_request_id_and_leaks_nothing() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Sabotaged", json!({}))
        .await;
    app.contact(&account, "Before", Some("before@sabotaged.example"))
        .await;
    let drop = if app.backend == "postgres" {
        "DROP TABLE contact_tags CASCADE"
    } else {
        "DROP TABLE contact_tags"
    };
    app.store.execute_raw(drop).await.expect("table dropped");

    let listed = app
        .gql(
            "{ contacts(filter: {tag: \"vip\"}) { nodes { id } totalCount } }",
            json!({}),
        )
        .await;
    assert_internal_without_leaks(&listed);

    let created = app
        .gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": {"accountId": account, "firstName": "After", "tags": ["vip"]}}),
        )
        .await;
    assert_internal_without_leaks(&created);
    assert!(
        created.body.get("data").is_some(),
        "a resolver error still answers data: {}",
        created.body
    );
}
