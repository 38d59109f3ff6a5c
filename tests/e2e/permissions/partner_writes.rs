//! A partner's mutations: probing other accounts learns nothing, and what it creates is its own customer.

use std::collections::BTreeSet;

use rapport_api::global_id::{self, Kind};
use rapport_tests::spawn_app;
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn a_partner_probing_other_accounts_through_mutations_learns_nothing() {
    let app = spawn_app().await;
    let (_, alpha_token) = app.partner("Alpha Partners").await;
    let (_, beta_token) = app.partner("Beta Partners").await;
    let own = app.account_as(&alpha_token, "Own", json!({})).await;
    let theirs = app.account_as(&beta_token, "Theirs", json!({})).await;
    let missing = global_id::encode(Kind::Account, 999_999);
    let before = app.table_counts().await;

    let update = "mutation($id: ID!) { updateAccount(input: {accountId: $id, expectedVersion: 1, name: \"Renamed\"}) { account { id } } }";
    let res = app
        .gql_as(Some(&alpha_token), update, json!({"id": own}))
        .await;
    assert_refused(&res, "/updateAccount", "FORBIDDEN", "own account");
    let absent = app
        .gql_as(Some(&alpha_token), update, json!({"id": missing}))
        .await;
    assert_refused(&absent, "/updateAccount", "NOT_FOUND", "absent account");
    let res = app
        .gql_as(Some(&alpha_token), update, json!({"id": theirs}))
        .await;
    assert_refused(&res, "/updateAccount", "NOT_FOUND", "beta's account");
    assert_eq!(
        res.body["errors"][0]["message"],
        absent.body["errors"][0]["message"]
    );

    // Naming another partner's account as parent or contact account looks like naming nothing.
    for (id, what) in [(&theirs, "beta's account"), (&missing, "absent account")] {
        let res = app
            .gql_as(
                Some(&alpha_token),
                "mutation($id: ID!) { createAccount(input: {name: \"Sub\", kind: ORGANIZATION, acquisitionChannel: PARTNER, parentId: $id}) { account { id } } }",
                json!({"id": id}),
            )
            .await;
        assert_refused(&res, "/createAccount", "BAD_USER_INPUT", what);
        assert_eq!(res.error_field(), Some("parentId"), "{what}: {}", res.body);
        assert_eq!(
            res.body["errors"][0]["message"],
            "parentId: no such account"
        );
    }
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn a_partner_creating_an_account_always_gets_a_customer_referred_by_itself() {
    let app = spawn_app().await;
    let (alpha, alpha_token) = app.partner("Alpha Partners").await;
    let (beta, _) = app.partner("Beta Partners").await;
    let created = "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id relationshipType acquisitionChannel partner { id } accountManager { id } } } }";

    for input in [
        json!({"name": "Plain", "kind": "ORGANIZATION", "acquisitionChannel": "PARTNER"}),
        json!({"name": "Named", "kind": "INDIVIDUAL", "acquisitionChannel": "PARTNER", "partnerId": alpha}),
        json!({"name": "Marketing", "kind": "ORGANIZATION", "acquisitionChannel": "MARKETING"}),
    ] {
        let res = app
            .gql_as(Some(&alpha_token), created, json!({"input": input}))
            .await
            .ok();
        let account = res.data("/createAccount/account");
        assert_eq!(account["relationshipType"], "CUSTOMER", "{input}");
        assert_eq!(account["acquisitionChannel"], "PARTNER", "{input}");
        assert_eq!(account["partner"]["id"], alpha.as_str(), "{input}");
        // And as the admin sees it, not only as the partner's view.
        let id = account["id"].as_str().expect("id");
        let seen = app
            .gql(
                "query($id: ID!) { account(id: $id) { relationshipType partner { id } } }",
                json!({"id": id}),
            )
            .await
            .ok();
        assert_eq!(seen.data("/account/partner/id"), alpha.as_str());
        assert_eq!(seen.data("/account/relationshipType"), "CUSTOMER");
    }

    let before = app.table_counts().await;
    let missing = global_id::encode(Kind::Partner, 999_999);
    let mut messages = BTreeSet::new();
    for (other, what) in [(&beta, "another partner"), (&missing, "an absent partner")] {
        let res = app
            .gql_as(
                Some(&alpha_token),
                created,
                json!({"input": {"name": "Stolen", "kind": "ORGANIZATION", "acquisitionChannel": "PARTNER", "partnerId": other}}),
            )
            .await;
        assert_refused(&res, "/createAccount", "BAD_USER_INPUT", what);
        assert_eq!(res.error_field(), Some("partnerId"), "{what}: {}", res.body);
        messages.insert(res.body["errors"][0]["message"].to_string());
    }
    assert_eq!(
        messages.len(),
        1,
        "the messages tell partners apart: {messages:?}"
    );
    assert_eq!(app.table_counts().await, before);

    // Nor can it make one of its accounts a client.
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let own = app.account_as(&alpha_token, "Own", json!({})).await;
    let res = app
        .gql_as(
            Some(&alpha_token),
            "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
            json!({"input": {"accountId": own, "accountManagerId": manager, "reason": "please", "expectedVersion": 1}}),
        )
        .await;
    assert_refused(&res, "/promoteToClient", "FORBIDDEN", "partner promotes");
}

#[tokio::test]
async fn a_partner_naming_another_channel_still_refers_the_account_through_the_partner_channel() {
    let app = spawn_app().await;
    let (partner, token) = app.partner("Northwind").await;
    let created = app
        .gql_as(
            Some(&token),
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { acquisitionChannel relationshipType partner { id } } } }",
            json!({"input": {"name": "Direct-looking", "kind": "INDIVIDUAL", "acquisitionChannel": "DIRECT", "partnerId": partner}}),
        )
        .await
        .ok();
    assert_eq!(
        created.data("/createAccount/account/acquisitionChannel"),
        "PARTNER"
    );
    assert_eq!(
        created.data("/createAccount/account/relationshipType"),
        "CUSTOMER"
    );
    assert_eq!(
        created.data("/createAccount/account/partner/id"),
        partner.as_str()
    );
}
