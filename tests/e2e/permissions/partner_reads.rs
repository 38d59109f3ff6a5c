//! A partner sees only its own referred accounts, through every read path.

use rapport_api::global_id::{self, Kind};
use rapport_tests::spawn_app;
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn a_partner_sees_only_its_own_referred_accounts_through_every_path() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (alpha, alpha_token) = app.partner("Alpha Partners").await;
    let (beta, beta_token) = app.partner("Beta Partners").await;

    let a1 = app
        .account_as(&alpha_token, "Northwind One", json!({}))
        .await;
    let a2 = app
        .account_as(&alpha_token, "Northwind Two", json!({}))
        .await;
    let b1 = app
        .account_as(&beta_token, "Southwind One", json!({}))
        .await;
    let direct = app.account_as(&admin, "Direct Holdings", json!({})).await;
    // Beta's account under Alpha's, and Alpha's account under the direct one.
    let beta_child = app
        .account_as(
            &admin,
            "Southwind Child",
            json!({"parentId": a1, "partnerId": beta, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let alpha_child = app
        .account_as(
            &admin,
            "Northwind Child",
            json!({"parentId": direct, "partnerId": alpha, "acquisitionChannel": "PARTNER"}),
        )
        .await;

    let ann = app.contact(&a1, "Ann", Some("ann@mail.example")).await;
    let nell = app
        .contact(&alpha_child, "Nell", Some("nell@mail.example"))
        .await;
    let bob = app.contact(&b1, "Bob", Some("bob@mail.example")).await;
    let dora = app
        .contact(&direct, "Dora", Some("dora@mail.example"))
        .await;
    let carl = app
        .contact(&beta_child, "Carl", Some("carl@mail.example"))
        .await;

    // A client of Alpha's: its manager is staff, which a partner does not see.
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    promote(&app, &a2, &manager).await;

    let own_accounts = set(&[&a1, &a2, &alpha_child]);
    let own_contacts = set(&[&ann, &nell]);
    let as_alpha = |query: &'static str, vars: Value| {
        let app = &app;
        let token = alpha_token.clone();
        async move { app.gql_as(Some(&token), query, vars).await }
    };

    // Sanity: the admin sees everything, so the assertions below can fail.
    let all = app
        .gql("{ accounts { nodes { id } } }", json!({}))
        .await
        .ok();
    assert_eq!(ids(&all, "/accounts/nodes").len(), 6);

    // The list, with and without filters.
    let res = as_alpha("{ accounts { totalCount nodes { id } } }", json!({}))
        .await
        .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), own_accounts);
    assert_eq!(res.data("/accounts/totalCount"), 3);
    let res = as_alpha(
        "{ accounts(filter: {relationshipType: CUSTOMER, status: ACTIVE, kind: ORGANIZATION}) { totalCount nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), set(&[&a1, &alpha_child]));
    assert_eq!(res.data("/accounts/totalCount"), 2);
    let res = as_alpha(
        "{ accounts(filter: {relationshipType: CLIENT}) { totalCount nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), set(&[&a2]));
    assert_eq!(res.data("/accounts/totalCount"), 1);
    let res = as_alpha(
        "query($p: ID!) { accounts(filter: {partnerId: $p}) { totalCount nodes { id } } }",
        json!({"p": beta}),
    )
    .await
    .ok();
    assert!(ids(&res, "/accounts/nodes").is_empty(), "{}", res.body);
    assert_eq!(res.data("/accounts/totalCount"), 0);
    let res = as_alpha(
        "query($p: ID!) { accounts(filter: {partnerId: $p}) { nodes { id } } }",
        json!({"p": alpha}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), own_accounts);

    // Paging forwards and backwards never steps outside the scope.
    let page = "query($after: String) { accounts(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }";
    let first_page = as_alpha(page, json!({"after": null})).await.ok();
    assert_eq!(ids(&first_page, "/accounts/nodes"), set(&[&a1, &a2]));
    assert_eq!(first_page.data("/accounts/pageInfo/hasNextPage"), true);
    let cursor = first_page.data("/accounts/pageInfo/endCursor").clone();
    let second_page = as_alpha(page, json!({"after": cursor})).await.ok();
    assert_eq!(ids(&second_page, "/accounts/nodes"), set(&[&alpha_child]));
    assert_eq!(second_page.data("/accounts/pageInfo/hasNextPage"), false);
    let res = as_alpha(
        "{ accounts(last: 2) { nodes { id } pageInfo { hasPreviousPage } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), set(&[&a2, &alpha_child]));
    assert_eq!(res.data("/accounts/pageInfo/hasPreviousPage"), true);

    // Search: "One" also names Beta's account, "wind" names all but the direct one.
    let res = as_alpha(
        "{ accounts(filter: {search: \"One\"}) { totalCount nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), set(&[&a1]));
    assert_eq!(res.data("/accounts/totalCount"), 1);
    let res = as_alpha(
        "{ accounts(filter: {search: \"wind\"}) { totalCount nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/accounts/nodes"), own_accounts);
    assert_eq!(res.data("/accounts/totalCount"), 3);

    // One account by id: out of scope looks exactly like absent.
    let missing = global_id::encode(Kind::Account, 999_999);
    let absent = as_alpha(
        "query($id: ID!) { account(id: $id) { id name } }",
        json!({"id": missing}),
    )
    .await;
    assert_refused(&absent, "/account", "NOT_FOUND", "absent account");
    for (other, what) in [
        (&b1, "beta's account"),
        (&direct, "direct account"),
        (&beta_child, "beta's child of alpha's account"),
    ] {
        let res = as_alpha(
            "query($id: ID!) { account(id: $id) { id name } }",
            json!({"id": other}),
        )
        .await;
        assert_refused(&res, "/account", "NOT_FOUND", what);
        assert_eq!(
            res.body["errors"][0]["message"], absent.body["errors"][0]["message"],
            "{what}: the message differs from an absent account's"
        );
    }
    let res = as_alpha(
        "query($id: ID!) { account(id: $id) { id } }",
        json!({"id": a1}),
    )
    .await
    .ok();
    assert_eq!(res.data("/account/id"), a1.as_str());

    // node and nodes.
    for (other, what) in [
        (&b1, "beta's account"),
        (&bob, "beta's contact"),
        (&dora, "direct contact"),
        (&beta, "beta itself"),
    ] {
        let res = as_alpha(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": other}),
        )
        .await;
        assert_refused(&res, "/node", "NOT_FOUND", what);
    }
    let res = as_alpha(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        json!({"ids": [a1, b1, ann, bob, carl, dora, alpha, manager]}),
    )
    .await;
    let got: Vec<Value> = res
        .data("/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n.get("id").cloned().unwrap_or(Value::Null))
        .collect();
    assert_eq!(
        got,
        vec![
            json!(a1),
            Value::Null,
            json!(ann),
            Value::Null,
            Value::Null,
            Value::Null,
            json!(alpha),
            Value::Null
        ],
        "{}",
        res.body
    );
    let refused: Vec<(Value, Value)> = errors(&res)
        .iter()
        .map(|e| (e["path"].clone(), e["extensions"]["code"].clone()))
        .collect();
    assert_eq!(
        refused,
        [1, 3, 4, 5, 7]
            .into_iter()
            .map(|i| (json!(["nodes", i]), json!("NOT_FOUND")))
            .collect::<Vec<_>>(),
        "{}",
        res.body
    );

    // One contact by id.
    for (other, what) in [
        (&bob, "beta's contact"),
        (&dora, "direct contact"),
        (&carl, "contact of beta's child"),
    ] {
        let res = as_alpha(
            "query($id: ID!) { contact(id: $id) { id firstName email } }",
            json!({"id": other}),
        )
        .await;
        assert_refused(&res, "/contact", "NOT_FOUND", what);
    }
    // Contact.account of an in-scope contact.
    let res = as_alpha(
        "query($id: ID!) { contact(id: $id) { id account { id } } }",
        json!({"id": ann}),
    )
    .await
    .ok();
    assert_eq!(res.data("/contact/account/id"), a1.as_str());

    // The contact list, searched and filtered by account.
    let res = as_alpha(
        "{ contacts { totalCount nodes { id account { id } } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/contacts/nodes"), own_contacts);
    assert_eq!(res.data("/contacts/totalCount"), 2);
    let res = as_alpha(
        "{ contacts(filter: {search: \"mail.example\"}) { totalCount nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/contacts/nodes"), own_contacts);
    assert_eq!(res.data("/contacts/totalCount"), 2);
    let res = as_alpha(
        "{ contacts(filter: {search: \"bob\"}) { totalCount nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    assert!(ids(&res, "/contacts/nodes").is_empty(), "{}", res.body);
    assert_eq!(res.data("/contacts/totalCount"), 0);
    let res = as_alpha(
        "query($p: ID!) { contacts(filter: {account: {partnerId: $p}}) { totalCount nodes { id } } }",
        json!({"p": beta}),
    )
    .await
    .ok();
    assert!(ids(&res, "/contacts/nodes").is_empty(), "{}", res.body);
    assert_eq!(res.data("/contacts/totalCount"), 0);

    // Nested: Partner.accounts, through viewer and node.
    let res = as_alpha(
        "{ viewer { partner { id accounts { totalCount nodes { id } } } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(res.data("/viewer/partner/id"), alpha.as_str());
    assert_eq!(ids(&res, "/viewer/partner/accounts/nodes"), own_accounts);
    assert_eq!(res.data("/viewer/partner/accounts/totalCount"), 3);
    let res = as_alpha(
        "query($id: ID!) { node(id: $id) { ... on Partner { accounts { nodes { id } } } } }",
        json!({"id": alpha}),
    )
    .await
    .ok();
    assert_eq!(ids(&res, "/node/accounts/nodes"), own_accounts);

    // Nested: Account.children hides Beta's child of Alpha's account.
    let children = "query($id: ID!) { account(id: $id) { children { totalCount nodes { id } } } }";
    let res = app.gql(children, json!({"id": a1})).await.ok();
    assert_eq!(ids(&res, "/account/children/nodes"), set(&[&beta_child]));
    let res = as_alpha(children, json!({"id": a1})).await.ok();
    assert!(
        ids(&res, "/account/children/nodes").is_empty(),
        "{}",
        res.body
    );
    assert_eq!(res.data("/account/children/totalCount"), 0);

    // Nested: Account.parent is null when the parent is not Alpha's.
    let parent = "query($id: ID!) { account(id: $id) { parent { id name } } }";
    let res = app.gql(parent, json!({"id": alpha_child})).await.ok();
    assert_eq!(res.data("/account/parent/id"), direct.as_str());
    let res = as_alpha(parent, json!({"id": alpha_child})).await.ok();
    assert!(res.data("/account/parent").is_null(), "{}", res.body);

    // Nested: Account.contacts and Account.partner of an own account.
    let res = as_alpha(
        "query($id: ID!) { account(id: $id) { partner { id } contacts { nodes { id } } } }",
        json!({"id": a1}),
    )
    .await
    .ok();
    assert_eq!(res.data("/account/partner/id"), alpha.as_str());
    assert_eq!(ids(&res, "/account/contacts/nodes"), set(&[&ann]));
    let manager_of =
        "query($id: ID!) { account(id: $id) { relationshipType accountManager { id } } }";
    let res = app.gql(manager_of, json!({"id": a2})).await.ok();
    assert_eq!(res.data("/account/accountManager/id"), manager.as_str());
    let res = as_alpha(manager_of, json!({"id": a2})).await.ok();
    assert_eq!(res.data("/account/relationshipType"), "CLIENT");
    assert!(
        res.data("/account/accountManager").is_null(),
        "{}",
        res.body
    );
}
