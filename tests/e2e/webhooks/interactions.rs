//! Reading interactions: partners see their own contacts' only, and a page costs the same for 5 or 35 contacts.

use chrono::Utc;
use rapport_ringover::testing::sign_webhook;
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn a_partner_reads_the_interactions_of_its_own_contacts_only() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let (_, north_token) = app.partner("North").await;
    let (_, south_token) = app.partner("South").await;
    let account = app
        .account_as(&north_token, "Referred Ltd", json!({}))
        .await;
    let ada = person_on(&app, &account, "Ada", "ada@referred.test", "+33612345678").await;
    let body = call_event(5, "answered", "33612345678", Utc::now());
    ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    let query = "query($id: ID!) { contact(id: $id) { interactions { nodes { id summary } } } }";

    let own = app
        .gql_as(Some(&north_token), query, json!({"id": ada}))
        .await
        .ok();
    assert_eq!(
        own.data("/contact/interactions/nodes/0/summary"),
        "Answered"
    );
    let id = own.data("/contact/interactions/nodes/0/id").clone();

    let other = app
        .gql_as(Some(&south_token), query, json!({"id": ada}))
        .await;
    assert_eq!(other.error_code(), Some("NOT_FOUND"), "{}", other.body);
    let other = app
        .gql_as(
            Some(&south_token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(other.error_code(), Some("NOT_FOUND"), "{}", other.body);
    let (_, viewer) = app.member("VIEWER").await;
    let staff = app
        .gql_as(Some(&viewer), query, json!({"id": ada}))
        .await
        .ok();
    assert_eq!(
        staff.data("/contact/interactions/nodes/0/summary"),
        "Answered"
    );
}

#[tokio::test]
async fn a_contacts_page_with_their_interactions_costs_the_same_for_5_or_35_contacts() {
    // No batch window at all, and more than 30 contacts (async-graphql then resolves the list
    // a few items at a time): only loading every contact's page up front keeps one query.
    let Hooks { app, .. } = app_with_webhooks_and(|s| s.graphql.loader_delay_us = 0).await;
    for i in 0..35_u64 {
        let phone = format!("+336100000{i:02}");
        // Each on an account of its own: the accounts are loaded in one batch too.
        person(
            &app,
            &format!("Caller{i:02}"),
            &format!("c{i}@callers.test"),
            &phone,
        )
        .await;
        for (call, event) in [(i * 10, "answered"), (i * 10 + 1, "hangup")] {
            let body = call_event(call, event, &phone[1..], Utc::now());
            ringover(
                &app,
                Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
                &body,
            )
            .await;
        }
    }
    let query = "query($first: Int!) { contacts(first: $first) { nodes { firstName interactions(first: 1) { pageInfo { hasNextPage } nodes { summary } } } } }";
    let mut costs = Vec::new();
    for first in [5, 35] {
        let start = app.store.statement_count();
        let res = app.gql(query, json!({"first": first})).await.ok();
        costs.push(app.store.statement_count() - start);
        let nodes = res
            .data("/contacts/nodes")
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(nodes.len(), first);
        for node in nodes {
            assert_eq!(
                node["interactions"]["nodes"].as_array().map(Vec::len),
                Some(1),
                "{node}"
            );
            assert_eq!(
                node["interactions"]["pageInfo"]["hasNextPage"], true,
                "{node}"
            );
        }
    }
    assert_eq!(
        costs[0], costs[1],
        "statements per request do not grow with the page ({costs:?})"
    );
    assert!(
        costs[0] <= 8,
        "a page costs at most 8 statements, not {}",
        costs[0]
    );
}
