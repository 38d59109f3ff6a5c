//! Nested fields go through DataLoaders: the SQL statements of a request do not grow with the
//! page size.

use rapport_tests::{Gql, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const CONTACTS_WITH_ACCOUNTS: &str = "query($first: Int!) {
  contacts(first: $first) {
    nodes {
      id
      firstName
      relationshipType
      account { name accountManager { name } }
    }
  }
}";

/// What [`spread`] made.
struct Spread {
    accounts: Vec<String>,
    contacts: Vec<String>,
}

/// `accounts` accounts, four in five of them clients of one of `managers` managers in turn,
/// each child of the previous one, each referred by one of two partners, each with one contact.
async fn spread(app: &TestApp, managers: usize, accounts: usize) -> Spread {
    let admin = app.admin_token.clone();
    let mut manager_ids = Vec::new();
    for _ in 0..managers {
        manager_ids.push(app.member("ACCOUNT_MANAGER").await.0);
    }
    let partners = [app.partner("North").await.0, app.partner("South").await.0];
    let mut out = Spread {
        accounts: Vec::new(),
        contacts: Vec::new(),
    };
    for i in 0..accounts {
        let mut extra = json!({"partnerId": partners[i % 2], "acquisitionChannel": "PARTNER"});
        if let Some(parent) = out.accounts.last() {
            extra["parentId"] = json!(parent);
        }
        let account = app
            .account_as(&admin, &format!("Spread {i:02}"), extra)
            .await;
        if i % 5 != 4 {
            app.gql(
                "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
                json!({"input": {
                    "accountId": account,
                    "accountManagerId": manager_ids[i % managers],
                    "reason": "retainer",
                    "expectedVersion": 1,
                }}),
            )
            .await
            .ok();
        }
        out.contacts
            .push(app.contact(&account, &format!("Person {i:02}"), None).await);
        out.accounts.push(account);
    }
    out
}

/// Statements run by one request, and its response.
async fn measured(app: &TestApp, query: &str, variables: Value) -> (u64, Gql) {
    let start = app.store.statement_count();
    let res = app.gql(query, variables).await.ok();
    (app.store.statement_count() - start, res)
}

fn list<'a>(res: &'a Gql, pointer: &str) -> &'a Vec<Value> {
    res.data(pointer)
        .as_array()
        .unwrap_or_else(|| panic!("no list at {pointer}: {}", res.body))
}

async fn contacts_page_costs_the_same_for_10_or_50(app: &TestApp) {
    spread(app, 12, 50).await;

    let (small, small_res) = measured(app, CONTACTS_WITH_ACCOUNTS, json!({"first": 10})).await;
    let (large, large_res) = measured(app, CONTACTS_WITH_ACCOUNTS, json!({"first": 50})).await;

    assert_eq!(list(&small_res, "/contacts/nodes").len(), 10);
    let nodes = list(&large_res, "/contacts/nodes");
    assert_eq!(nodes.len(), 50);
    // Every contact got its account and, for clients, its manager.
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node["account"]["name"], format!("Spread {i:02}"));
        if i % 5 == 4 {
            assert_eq!(node["relationshipType"], "CUSTOMER");
            assert!(node["account"]["accountManager"].is_null());
        } else {
            assert_eq!(node["relationshipType"], "CLIENT");
            assert_eq!(node["account"]["accountManager"]["name"], "Test Member");
        }
    }

    eprintln!("contacts with accounts and managers: page of 10 = {small}, page of 50 = {large}");
    assert_eq!(
        small, large,
        "statements per request do not grow with the page ({small} for 10, {large} for 50)"
    );
    assert!(small <= 8, "a page costs at most 8 statements, not {small}");
}

#[tokio::test]
async fn listing_contacts_with_their_accounts_and_managers_costs_the_same_for_10_or_50() {
    let app = spawn_app().await;
    contacts_page_costs_the_same_for_10_or_50(&app).await;
}

/// With no batch window at all, a loader fires as soon as the request's task yields, which
/// async-graphql does every couple of items on lists longer than 30: only loading the page's
/// keys up front keeps one batch per loader.
#[tokio::test]
async fn listing_contacts_with_their_accounts_costs_the_same_even_without_a_batch_window() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    contacts_page_costs_the_same_for_10_or_50(&app).await;
}

#[tokio::test]
async fn listing_accounts_with_manager_partner_parent_and_history_costs_the_same_for_10_or_50() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    spread(&app, 12, 50).await;
    let query = "query($first: Int!) {
      accounts(first: $first) {
        edges { node {
          name
          accountManager { name }
          partner { name }
          parent { name }
          relationshipHistory { to reason }
        } }
      }
    }";
    let (small, small_res) = measured(&app, query, json!({"first": 10})).await;
    let (large, large_res) = measured(&app, query, json!({"first": 50})).await;

    assert_eq!(list(&small_res, "/accounts/edges").len(), 10);
    let edges = list(&large_res, "/accounts/edges");
    assert_eq!(edges.len(), 50);
    for (i, edge) in edges.iter().enumerate() {
        let node = &edge["node"];
        assert_eq!(
            node["partner"]["name"],
            if i % 2 == 0 { "North" } else { "South" }
        );
        if i > 0 {
            assert_eq!(node["parent"]["name"], format!("Spread {:02}", i - 1));
        } else {
            assert!(node["parent"].is_null());
        }
        let history = node["relationshipHistory"].as_array().expect("history");
        assert_eq!(history.len(), usize::from(i % 5 != 4));
    }

    eprintln!("accounts with nested fields: page of 10 = {small}, page of 50 = {large}");
    assert_eq!(small, large, "{small} for 10, {large} for 50");
    assert!(
        small <= 10,
        "a page costs at most 10 statements, not {small}"
    );
}

#[tokio::test]
async fn fetching_many_nodes_by_id_costs_the_same_for_5_or_40() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    let made = spread(&app, 6, 20).await;
    let query = "query($ids: [ID!]!) {
      nodes(ids: $ids) {
        id
        ... on Contact { firstName account { name accountManager { name } } }
        ... on Account { name partner { name } }
      }
    }";
    let mixed = |n: usize| -> Vec<String> {
        made.contacts
            .iter()
            .zip(&made.accounts)
            .flat_map(|(c, a)| [c.clone(), a.clone()])
            .take(n)
            .collect()
    };
    let (small, small_res) = measured(&app, query, json!({"ids": mixed(5)})).await;
    let (large, large_res) = measured(&app, query, json!({"ids": mixed(40)})).await;

    assert_eq!(list(&small_res, "/nodes").len(), 5);
    let nodes = list(&large_res, "/nodes");
    assert_eq!(nodes.len(), 40);
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(
            node["id"],
            mixed(40)[i].as_str(),
            "nodes keep the order of ids"
        );
        if i % 2 == 0 {
            assert_eq!(node["account"]["name"], format!("Spread {:02}", i / 2));
        } else {
            assert_eq!(node["name"], format!("Spread {:02}", i / 2));
        }
    }

    eprintln!("nodes by id: 5 ids = {small}, 40 ids = {large}");
    assert_eq!(small, large, "{small} for 5 ids, {large} for 40");
    assert!(
        small <= 10,
        "nodes(ids:) costs at most 10 statements, not {small}"
    );
}

/// Sorted pages load their nested fields the same way: the statement count of a page sorted
/// by name (descending, then by creation) and of a page after a sorted cursor does not grow
/// with the page size.
#[tokio::test]
async fn sorted_pages_of_contacts_and_accounts_cost_the_same_for_10_or_50() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    spread(&app, 12, 60).await;
    let contacts = "query($first: Int!, $after: String) {
      contacts(first: $first, after: $after, orderBy: [{field: FIRST_NAME, direction: DESC}, {field: CREATED_AT}]) {
        nodes { firstName relationshipType account { name accountManager { name } } }
        pageInfo { endCursor }
      }
    }";
    let accounts = "query($first: Int!, $after: String) {
      accounts(first: $first, after: $after, orderBy: [{field: RELATIONSHIP_TYPE}, {field: NAME, direction: DESC}]) {
        nodes { name accountManager { name } partner { name } parent { name } relationshipHistory { to } }
        pageInfo { endCursor }
      }
    }";
    for (query, path, expect_first) in [
        (contacts, "/contacts", "Person 59"),
        (accounts, "/accounts", "Spread 58"),
    ] {
        let (small, small_res) = measured(&app, query, json!({"first": 10})).await;
        let (large, large_res) = measured(&app, query, json!({"first": 50})).await;
        assert_eq!(list(&small_res, &format!("{path}/nodes")).len(), 10);
        let nodes = list(&large_res, &format!("{path}/nodes"));
        assert_eq!(nodes.len(), 50);
        let first = &nodes[0];
        assert!(
            first["firstName"] == expect_first || first["name"] == expect_first,
            "{path} sorted: {first}"
        );
        let after = small_res
            .data(&format!("{path}/pageInfo/endCursor"))
            .clone();
        let (small_after, res) = measured(&app, query, json!({"first": 10, "after": after})).await;
        assert_eq!(list(&res, &format!("{path}/nodes")).len(), 10);
        let (large_after, res) = measured(&app, query, json!({"first": 40, "after": after})).await;
        assert_eq!(list(&res, &format!("{path}/nodes")).len(), 40);

        eprintln!(
            "{path} sorted: page of 10 = {small}, of 50 = {large}; after a cursor: 10 = {small_after}, 40 = {large_after}"
        );
        assert_eq!(small, large, "{path}: {small} for 10, {large} for 50");
        assert_eq!(small_after, large_after, "{path} after a cursor");
        assert!(
            small <= 10,
            "{path}: a sorted page costs at most 10 statements, not {small}"
        );
    }
}
