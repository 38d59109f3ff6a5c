//! Two account rules: an agreement in force blocks churn as it blocks demotion, and an account
//! manager may add the first contacts to, and take over, an account it created while nobody
//! manages it.

use rapport_tests::{Gql, complete_sections, spawn_app};
use serde_json::{Value, json};

const CHURN: &str = "mutation($input: ChurnAccountInput!) { churnAccount(input: $input) { account { status relationshipType } } }";
const ACCOUNT: &str =
    "query($id: ID!) { account(id: $id) { status churnedAt relationshipType version } }";
const CREATE_CONTACT: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id account { id } } } }";
const ASSIGN: &str = "mutation($input: AssignAccountManagerInput!) { assignAccountManager(input: $input) { account { version accountManager { id } } } }";

fn message(res: &Gql) -> &str {
    res.body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[tokio::test]
async fn churning_a_client_with_an_agreement_in_force_is_refused_naming_the_agreement() {
    let app = spawn_app().await;
    let bound = app
        .client_with_agreement("Bound Client", complete_sections())
        .await;

    let before = app.table_counts().await;
    let refused = app
        .gql(
            CHURN,
            json!({"input": {"accountId": bound.account, "expectedVersion": 2}}),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("INVALID_TRANSITION"),
        "{}",
        refused.body
    );
    assert!(refused.data("/churnAccount").is_null(), "{}", refused.body);
    assert!(
        message(&refused).contains(&bound.agreement),
        "the refusal names the agreement: {}",
        refused.body
    );
    assert!(
        message(&refused).contains("Managed support"),
        "{}",
        refused.body
    );
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");
    let account = app.gql(ACCOUNT, json!({"id": bound.account})).await.ok();
    assert_eq!(
        account.data("/account"),
        &json!({"status": "ACTIVE", "churnedAt": null, "relationshipType": "CLIENT", "version": 2})
    );
    // Its manager is refused alike.
    let refused = app
        .gql_as(
            Some(&bound.manager.1),
            CHURN,
            json!({"input": {"accountId": bound.account, "expectedVersion": 2}}),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("INVALID_TRANSITION"),
        "{}",
        refused.body
    );

    // A client without an agreement in force churns.
    let (free, _) = app.client_account("Free Client").await;
    let churned = app
        .gql(
            CHURN,
            json!({"input": {"accountId": free, "expectedVersion": 2}}),
        )
        .await
        .ok();
    assert_eq!(churned.data("/churnAccount/account/status"), "CHURNED");
}

#[tokio::test]
async fn an_account_manager_adds_the_first_contacts_to_an_account_it_created_and_becomes_its_manager()
 {
    let app = spawn_app().await;
    let (me, my_token) = app.member("ACCOUNT_MANAGER").await;
    let (other, other_token) = app.member("ACCOUNT_MANAGER").await;
    let account = app
        .account_as(
            &my_token,
            "Fresh Lead",
            json!({"domains": ["lead.example"]}),
        )
        .await;

    // Its first contact, named by account and (its domains being staff-named) by domain.
    let first = app
        .gql_as(
            Some(&my_token),
            CREATE_CONTACT,
            json!({"input": {"accountId": account, "firstName": "Ada"}}),
        )
        .await
        .ok();
    assert_eq!(
        first.data("/createContact/contact/account/id").as_str(),
        Some(account.as_str())
    );
    let routed = app
        .gql_as(
            Some(&my_token),
            CREATE_CONTACT,
            json!({"input": {"firstName": "Bob", "email": "bob@lead.example"}}),
        )
        .await
        .ok();
    assert_eq!(
        routed.data("/createContact/contact/account/id").as_str(),
        Some(account.as_str())
    );

    // Another account manager did not create it: no contacts, no taking over.
    let res = app
        .gql_as(
            Some(&other_token),
            CREATE_CONTACT,
            json!({"input": {"accountId": account, "firstName": "Eve"}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    let res = app
        .gql_as(
            Some(&other_token),
            ASSIGN,
            json!({"input": {"accountId": account, "accountManagerId": other, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    // The creator may not hand it to someone else either: only take it over.
    let res = app
        .gql_as(
            Some(&my_token),
            ASSIGN,
            json!({"input": {"accountId": account, "accountManagerId": other, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);

    let taken = app
        .gql_as(
            Some(&my_token),
            ASSIGN,
            json!({"input": {"accountId": account, "accountManagerId": me, "expectedVersion": 1}}),
        )
        .await
        .ok();
    assert_eq!(
        taken.data("/assignAccountManager/account/accountManager/id"),
        me.as_str()
    );
}

#[tokio::test]
async fn the_creator_rule_ends_once_someone_manages_the_account() {
    let app = spawn_app().await;
    let (_, my_token) = app.member("ACCOUNT_MANAGER").await;
    let (other, _) = app.member("ACCOUNT_MANAGER").await;
    let account = app.account_as(&my_token, "Fresh Lead", json!({})).await;
    app.gql(
        ASSIGN,
        json!({"input": {"accountId": account, "accountManagerId": other, "expectedVersion": 1}}),
    )
    .await
    .ok();

    let before = app.table_counts().await;
    let res = app
        .gql_as(
            Some(&my_token),
            CREATE_CONTACT,
            json!({"input": {"accountId": account, "firstName": "Ada"}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    let res = app
        .gql_as(
            Some(&my_token),
            ASSIGN,
            json!({"input": {"accountId": account, "accountManagerId": other, "expectedVersion": 2}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");
}
