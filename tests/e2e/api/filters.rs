//! Filters of accounts and contacts, nested relations and text search included.

use rapport_tests::spawn_app;
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn accounts_filter_by_relationship_manager_partner_status_kind_and_search() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let (partner, _) = app.partner("Referrer").await;

    let client = app.account_as(&admin, "Client Corp", json!({})).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": client, "accountManagerId": manager, "reason": "retainer", "expectedVersion": 1}}),
    )
    .await
    .ok();
    let referred = app
        .account_as(
            &admin,
            "Referred Ltd",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let churned = app.account_as(&admin, "Gone Inc", json!({})).await;
    app.gql(
        "mutation($id: ID!) { churnAccount(input: {accountId: $id, expectedVersion: 1}) { account { id } } }",
        json!({"id": churned}),
    )
    .await
    .ok();
    let person = app
        .account_as(&admin, "Jane Doe", json!({"kind": "INDIVIDUAL"}))
        .await;
    let percent = app.account_as(&admin, "Deal 50% off", json!({})).await;
    let five_hundred = app.account_as(&admin, "Shop 500", json!({})).await;
    let underscore = app.account_as(&admin, "a_b Holdings", json!({})).await;
    let axb = app.account_as(&admin, "AXB Holdings", json!({})).await;

    let query =
        "query($filter: AccountFilter) { accounts(first: 100, filter: $filter) { nodes { id } } }";
    let filtered = async |filter: Value| {
        let res = app.gql(query, json!({"filter": filter})).await.ok();
        ids_at(&res, "/accounts/nodes")
    };

    assert_eq!(
        filtered(json!({"relationshipType": "CLIENT"})).await,
        vec![client.clone()]
    );
    let customers = filtered(json!({"relationshipType": "CUSTOMER"})).await;
    assert_eq!(customers.len(), 7);
    assert!(!customers.contains(&client));
    assert_eq!(
        filtered(json!({"accountManagerId": manager})).await,
        vec![client.clone()]
    );
    assert_eq!(
        filtered(json!({"partnerId": partner})).await,
        vec![referred.clone()]
    );
    assert_eq!(
        filtered(json!({"status": "CHURNED"})).await,
        vec![churned.clone()]
    );
    assert_eq!(filtered(json!({"status": "ACTIVE"})).await.len(), 7);
    assert_eq!(
        filtered(json!({"kind": "INDIVIDUAL"})).await,
        vec![person.clone()]
    );
    // Case-insensitive.
    assert_eq!(
        filtered(json!({"search": "cLIENT c"})).await,
        vec![client.clone()]
    );
    // LIKE wildcards in the text are literal.
    assert_eq!(
        filtered(json!({"search": "50%"})).await,
        vec![percent.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "500"})).await,
        vec![five_hundred.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "a_b"})).await,
        vec![underscore.clone()]
    );
    assert_eq!(filtered(json!({"search": "x"})).await, vec![axb.clone()]);
    // Filters combine.
    assert_eq!(
        filtered(json!({"relationshipType": "CLIENT", "status": "CHURNED"})).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn contacts_filter_by_their_account_tag_consent_and_text_over_name_email_and_phone() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let (partner, _) = app.partner("Referrer").await;
    let client = app.account_as(&admin, "Client Corp", json!({})).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": client, "accountManagerId": manager, "reason": "retainer", "expectedVersion": 1}}),
    )
    .await
    .ok();
    let referred = app
        .account_as(
            &admin,
            "Referred Ltd",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let plain = app.account_as(&admin, "Plain Shop", json!({})).await;

    let create = async |input: Value| {
        app.gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": input}),
        )
        .await
        .ok()
        .data("/createContact/contact/id")
        .as_str()
        .expect("contact id")
        .to_owned()
    };
    let alice = create(json!({
        "accountId": client, "firstName": "Alice", "lastName": "Martin",
        "email": "alice@client.example", "emailConsent": "SUBSCRIBED", "tags": ["VIP", "renewal"],
    }))
    .await;
    let bruno = create(json!({
        "accountId": referred, "firstName": "Bruno", "lastName": "Durand",
        "email": "b.durand@referred.example",
        "phones": [{"number": "+33612345678", "type": "MOBILE"}],
    }))
    .await;
    let chloe = create(json!({
        "accountId": plain, "firstName": "Chloé", "lastName": "Zed",
        "email": "chloe@plain.example", "emailConsent": "UNSUBSCRIBED", "tags": ["vip"],
        "phones": [{"number": "+14155550100", "type": "WORK"}],
    }))
    .await;

    let query =
        "query($filter: ContactFilter) { contacts(first: 100, filter: $filter) { nodes { id } } }";
    let filtered = async |filter: Value| {
        let res = app.gql(query, json!({"filter": filter})).await.ok();
        ids_at(&res, "/contacts/nodes")
    };

    assert_eq!(
        filtered(json!({"account": {"relationshipType": "CLIENT"}})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"account": {"relationshipType": "CUSTOMER"}})).await,
        vec![bruno.clone(), chloe.clone()]
    );
    assert_eq!(
        filtered(json!({"account": {"accountManagerId": manager}})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"account": {"partnerId": partner}})).await,
        vec![bruno.clone()]
    );
    // Tags match case-insensitively.
    assert_eq!(
        filtered(json!({"tag": "vip"})).await,
        vec![alice.clone(), chloe.clone()]
    );
    assert_eq!(
        filtered(json!({"tag": "Renewal"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"tag": "nothing"})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        filtered(json!({"emailConsent": "SUBSCRIBED"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"emailConsent": "NONE"})).await,
        vec![bruno.clone()]
    );
    // Text search: first name, last name, email, phone (formatted as people type it).
    assert_eq!(
        filtered(json!({"search": "ALICE"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "durand"})).await,
        vec![bruno.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "client.example"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "+33 6 12"})).await,
        vec![bruno.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "(415) 555"})).await,
        vec![chloe.clone()]
    );
    // Combined with the account filter.
    assert_eq!(
        filtered(json!({"tag": "vip", "account": {"relationshipType": "CUSTOMER"}})).await,
        vec![chloe.clone()]
    );
}
