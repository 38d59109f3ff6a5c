//! Who may do what, through HTTP: partner scoping on every read path, and the staff roles'
//! limits on every mutation.

use std::collections::BTreeSet;

use rapport_api::global_id::{self, Kind};
use rapport_tests::{Gql, TestApp, spawn_app};
use serde_json::{Value, json};

/// The `id`s of the objects in the array at `pointer` (under `data`).
fn ids(res: &Gql, pointer: &str) -> BTreeSet<String> {
    res.data(pointer)
        .as_array()
        .unwrap_or_else(|| panic!("no array at {pointer}: {}", res.body))
        .iter()
        .map(|n| n["id"].as_str().expect("node id").to_owned())
        .collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).clone()).collect()
}

/// The errors of a response, as an array (empty when there are none).
fn errors(res: &Gql) -> Vec<Value> {
    res.body["errors"].as_array().cloned().unwrap_or_default()
}

/// Asserts the response is one error with `code` and a null `data` at `pointer`.
fn assert_refused(res: &Gql, pointer: &str, code: &str, what: &str) {
    let errs = errors(res);
    assert_eq!(errs.len(), 1, "{what}: expected one error: {}", res.body);
    assert_eq!(
        res.error_code(),
        Some(code),
        "{what}: expected {code}: {}",
        res.body
    );
    assert!(
        res.data(pointer).is_null(),
        "{what}: data leaked: {}",
        res.body
    );
}

/// The current `version` of any node, read as the admin.
async fn version(app: &TestApp, id: &str) -> i64 {
    app.gql(
        "query($id: ID!) { node(id: $id) { ... on Account { version } ... on Contact { version } ... on TeamMember { version } ... on Partner { version } } }",
        json!({"id": id}),
    )
    .await
    .ok()
    .data("/node/version")
    .as_i64()
    .expect("version")
}

/// Promotes `account` to client with `manager`, as the admin.
async fn promote(app: &TestApp, account: &str, manager: &str) {
    let v = version(app, account).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": account, "accountManagerId": manager, "reason": "signed a retainer", "expectedVersion": v}}),
    )
    .await
    .ok();
}

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
async fn an_account_manager_edits_only_the_accounts_they_manage_and_promotes_only_naming_themselves()
 {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (me, my_token) = app.member("ACCOUNT_MANAGER").await;
    let (colleague, _) = app.member("ACCOUNT_MANAGER").await;
    let mine = app.account_as(&admin, "Mine", json!({})).await;
    promote(&app, &mine, &me).await;
    let theirs = app.account_as(&admin, "Theirs", json!({})).await;
    promote(&app, &theirs, &colleague).await;
    let unmanaged = app.account_as(&admin, "Unmanaged", json!({})).await;

    let update = "mutation($id: ID!, $v: Int!) { updateAccount(input: {accountId: $id, expectedVersion: $v, name: \"Renamed\"}) { account { name } } }";
    let churn = "mutation($id: ID!, $v: Int!) { churnAccount(input: {accountId: $id, expectedVersion: $v}) { account { status } } }";
    let contact = "mutation($id: ID!) { createContact(input: {accountId: $id, firstName: \"Zed\", email: \"zed@mail.example\"}) { contact { id } } }";

    let before = app.table_counts().await;
    for target in [&theirs, &unmanaged] {
        let v = version(&app, target).await;
        let res = app
            .gql_as(Some(&my_token), update, json!({"id": target, "v": v}))
            .await;
        assert_refused(&res, "/updateAccount", "FORBIDDEN", "updateAccount");
        let res = app
            .gql_as(Some(&my_token), churn, json!({"id": target, "v": v}))
            .await;
        assert_refused(&res, "/churnAccount", "FORBIDDEN", "churnAccount");
        let res = app
            .gql_as(Some(&my_token), contact, json!({"id": target}))
            .await;
        assert_refused(&res, "/createContact", "FORBIDDEN", "createContact");
    }
    assert_eq!(app.table_counts().await, before);

    // The managed one.
    let v = version(&app, &mine).await;
    let res = app
        .gql_as(Some(&my_token), update, json!({"id": mine, "v": v}))
        .await
        .ok();
    assert_eq!(res.data("/updateAccount/account/name"), "Renamed");
    app.gql_as(Some(&my_token), contact, json!({"id": mine}))
        .await
        .ok();
    let res = app
        .gql_as(Some(&my_token), churn, json!({"id": mine, "v": v + 1}))
        .await
        .ok();
    assert_eq!(res.data("/churnAccount/account/status"), "CHURNED");

    // Promotion: naming themselves, yes; naming a colleague, no.
    let promote_q = "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { relationshipType accountManager { id } } } }";
    let other_customer = app.account_as(&admin, "Other customer", json!({})).await;
    let before = app.table_counts().await;
    let res = app
        .gql_as(
            Some(&my_token),
            promote_q,
            json!({"input": {"accountId": other_customer, "accountManagerId": colleague, "reason": "signed", "expectedVersion": 1}}),
        )
        .await;
    assert_refused(&res, "/promoteToClient", "FORBIDDEN", "naming a colleague");
    assert_eq!(app.table_counts().await, before);
    let res = app
        .gql_as(
            Some(&my_token),
            promote_q,
            json!({"input": {"accountId": unmanaged, "accountManagerId": me, "reason": "signed", "expectedVersion": 1}}),
        )
        .await
        .ok();
    assert_eq!(
        res.data("/promoteToClient/account/relationshipType"),
        "CLIENT"
    );
    assert_eq!(
        res.data("/promoteToClient/account/accountManager/id"),
        me.as_str()
    );
}

/// Well-formed input for every mutation, aimed at real rows.
struct Targets {
    customer: String,
    client: String,
    contact: String,
    member: String,
    manager: String,
    partner: String,
    token_id: String,
}

async fn targets(app: &TestApp) -> Targets {
    let admin = app.admin_token.clone();
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let (member, _) = app.member("SUPPORT_AGENT").await;
    let (partner, _) = app.partner("Some Partner").await;
    let token_id = app
        .gql(
            "mutation($id: ID!) { issuePartnerToken(input: {partnerId: $id}) { tokenId } }",
            json!({"id": partner}),
        )
        .await
        .ok()
        .data("/issuePartnerToken/tokenId")
        .as_str()
        .expect("token id")
        .to_owned();
    let customer = app.account_as(&admin, "Customer", json!({})).await;
    let client = app.account_as(&admin, "Client", json!({})).await;
    promote(app, &client, &manager).await;
    let contact = app
        .contact(&customer, "Cora", Some("cora@mail.example"))
        .await;
    Targets {
        customer,
        client,
        contact,
        member,
        manager,
        partner,
        token_id,
    }
}

/// Every mutation of the API with well-formed input, as (name, document, variables).
async fn every_mutation(app: &TestApp, t: &Targets) -> Vec<(&'static str, &'static str, Value)> {
    let cust_v = version(app, &t.customer).await;
    let client_v = version(app, &t.client).await;
    let contact_v = version(app, &t.contact).await;
    let member_v = version(app, &t.member).await;
    let partner_v = version(app, &t.partner).await;
    vec![
        (
            "createAccount",
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }",
            json!({"input": {"name": "New", "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"}}),
        ),
        (
            "updateAccount",
            "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { id } } }",
            json!({"input": {"accountId": t.customer, "expectedVersion": cust_v, "name": "Renamed"}}),
        ),
        (
            "promoteToClient",
            "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
            json!({"input": {"accountId": t.customer, "accountManagerId": t.manager, "reason": "signed", "expectedVersion": cust_v}}),
        ),
        (
            "demoteToCustomer",
            "mutation($input: DemoteToCustomerInput!) { demoteToCustomer(input: $input) { account { id } } }",
            json!({"input": {"accountId": t.client, "reason": "ended", "expectedVersion": client_v}}),
        ),
        (
            "assignAccountManager",
            "mutation($input: AssignAccountManagerInput!) { assignAccountManager(input: $input) { account { id } } }",
            json!({"input": {"accountId": t.customer, "accountManagerId": t.manager, "expectedVersion": cust_v}}),
        ),
        (
            "churnAccount",
            "mutation($input: ChurnAccountInput!) { churnAccount(input: $input) { account { id } } }",
            json!({"input": {"accountId": t.customer, "expectedVersion": cust_v}}),
        ),
        (
            "createContact",
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": {"accountId": t.customer, "firstName": "Nina", "email": "nina@mail.example"}}),
        ),
        (
            "updateContact",
            "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } } }",
            json!({"input": {"contactId": t.contact, "expectedVersion": contact_v, "firstName": "Corinne"}}),
        ),
        (
            "eraseContact",
            "mutation($input: EraseContactInput!) { eraseContact(input: $input) { contact { id } } }",
            json!({"input": {"contactId": t.contact, "expectedVersion": contact_v}}),
        ),
        (
            "createTeamMember",
            "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }",
            json!({"input": {"name": "Mallory", "email": "mallory@mail.example", "role": "ADMIN", "subject": "mallory"}}),
        ),
        (
            "updateTeamMember",
            "mutation($input: UpdateTeamMemberInput!) { updateTeamMember(input: $input) { teamMember { id } } }",
            json!({"input": {"teamMemberId": t.member, "expectedVersion": member_v, "role": "ADMIN"}}),
        ),
        (
            "createPartner",
            "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { id } } }",
            json!({"input": {"name": "Shady Partner"}}),
        ),
        (
            "updatePartner",
            "mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { partner { id } } }",
            json!({"input": {"partnerId": t.partner, "expectedVersion": partner_v, "active": false}}),
        ),
        (
            "issuePartnerToken",
            "mutation($input: IssuePartnerTokenInput!) { issuePartnerToken(input: $input) { token } }",
            json!({"input": {"partnerId": t.partner}}),
        ),
        (
            "revokeToken",
            "mutation($input: RevokeTokenInput!) { revokeToken(input: $input) { newlyRevoked } }",
            json!({"input": {"tokenId": t.token_id}}),
        ),
    ]
}

#[tokio::test]
async fn a_viewer_cannot_mutate_anything() {
    let app = spawn_app().await;
    let t = targets(&app).await;
    let (_, viewer) = app.member("VIEWER").await;
    let mutations = every_mutation(&app, &t).await;
    assert_eq!(mutations.len(), 15, "every mutation of the schema is tried");
    let before = app.table_counts().await;
    for (name, doc, vars) in mutations {
        let res = app.gql_as(Some(&viewer), doc, vars).await;
        assert_refused(&res, &format!("/{name}"), "FORBIDDEN", name);
        assert_eq!(res.status, 200, "{name}");
    }
    assert_eq!(app.table_counts().await, before);
    // The same inputs work for the admin, so FORBIDDEN above was about the viewer. Versions
    // are read afresh before each one; the two that would spoil later inputs go last.
    let order: Vec<&str> = every_mutation(&app, &t)
        .await
        .iter()
        .map(|(name, _, _)| *name)
        .filter(|name| !matches!(*name, "churnAccount" | "updatePartner"))
        .chain(["churnAccount", "updatePartner"])
        .collect();
    for wanted in order {
        let (name, doc, vars) = every_mutation(&app, &t)
            .await
            .into_iter()
            .find(|(name, _, _)| *name == wanted)
            .expect("listed");
        let res = app.gql(doc, vars).await;
        assert!(
            res.body.get("errors").is_none(),
            "{name} as the admin: {}",
            res.body
        );
    }
}

#[tokio::test]
async fn only_an_admin_manages_team_partners_other_partners_tokens_and_erasure() {
    let app = spawn_app().await;
    let t = targets(&app).await;
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let (_, agent) = app.member("SUPPORT_AGENT").await;
    let (_, partner) = app.partner("Another Partner").await;
    let admin_only = [
        "eraseContact",
        "createTeamMember",
        "updateTeamMember",
        "createPartner",
        "updatePartner",
        "issuePartnerToken",
        "revokeToken",
    ];
    let before = app.table_counts().await;
    for (who, token) in [
        ("manager", &manager),
        ("agent", &agent),
        ("partner", &partner),
    ] {
        for (name, doc, vars) in every_mutation(&app, &t).await {
            if !admin_only.contains(&name) {
                continue;
            }
            let res = app.gql_as(Some(token), doc, vars).await;
            // A partner is out of scope of the direct customer's contact, and another
            // partner and its tokens do not exist for it either.
            let code = if who == "partner"
                && matches!(name, "eraseContact" | "issuePartnerToken" | "revokeToken")
            {
                "NOT_FOUND"
            } else {
                "FORBIDDEN"
            };
            assert_refused(&res, &format!("/{name}"), code, &format!("{who}: {name}"));
        }
    }
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn a_support_agent_edits_contacts_of_customers_but_not_of_clients() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let (_, agent) = app.member("SUPPORT_AGENT").await;
    let customer = app.account_as(&admin, "Customer", json!({})).await;
    let client = app.account_as(&admin, "Client", json!({})).await;
    promote(&app, &client, &manager).await;
    let cust_contact = app
        .contact(&customer, "Cal", Some("cal@mail.example"))
        .await;
    let client_contact = app
        .contact(&client, "Cleo", Some("cleo@mail.example"))
        .await;

    let update = "mutation($id: ID!, $v: Int!, $account: ID) { updateContact(input: {contactId: $id, expectedVersion: $v, jobRole: \"Billing\", accountId: $account}) { contact { jobRole account { id } } } }";
    let create = "mutation($id: ID!, $email: EmailAddress!) { createContact(input: {accountId: $id, firstName: \"New\", email: $email}) { contact { id } } }";

    let before = app.table_counts().await;
    let v = version(&app, &client_contact).await;
    let res = app
        .gql_as(Some(&agent), update, json!({"id": client_contact, "v": v}))
        .await;
    assert_refused(&res, "/updateContact", "FORBIDDEN", "client's contact");
    let res = app
        .gql_as(
            Some(&agent),
            create,
            json!({"id": client, "email": "new1@mail.example"}),
        )
        .await;
    assert_refused(&res, "/createContact", "FORBIDDEN", "contact on a client");
    // Moving a customer's contact to a client is editing the client.
    let v = version(&app, &cust_contact).await;
    let res = app
        .gql_as(
            Some(&agent),
            update,
            json!({"id": cust_contact, "v": v, "account": client}),
        )
        .await;
    assert_refused(&res, "/updateContact", "FORBIDDEN", "move to a client");
    // Nor may an agent erase, or edit the account itself.
    let res = app
        .gql_as(
            Some(&agent),
            "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { id } } }",
            json!({"id": cust_contact}),
        )
        .await;
    assert_refused(&res, "/eraseContact", "FORBIDDEN", "erase");
    let res = app
        .gql_as(
            Some(&agent),
            "mutation($id: ID!) { updateAccount(input: {accountId: $id, expectedVersion: 1, name: \"X\"}) { account { id } } }",
            json!({"id": customer}),
        )
        .await;
    assert_refused(&res, "/updateAccount", "FORBIDDEN", "updateAccount");
    assert_eq!(app.table_counts().await, before);

    let res = app
        .gql_as(Some(&agent), update, json!({"id": cust_contact, "v": v}))
        .await
        .ok();
    assert_eq!(res.data("/updateContact/contact/jobRole"), "Billing");
    app.gql_as(
        Some(&agent),
        create,
        json!({"id": customer, "email": "new2@mail.example"}),
    )
    .await
    .ok();

    // Once the customer becomes a client, its contacts are out of the agent's reach.
    promote(&app, &customer, &manager).await;
    let v = version(&app, &cust_contact).await;
    let res = app
        .gql_as(Some(&agent), update, json!({"id": cust_contact, "v": v}))
        .await;
    assert_refused(&res, "/updateContact", "FORBIDDEN", "after promotion");
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
