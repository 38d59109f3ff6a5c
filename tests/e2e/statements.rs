//! The SQL statements of the benchmark's reads (the list page, one contact by id, a page of
//! agreements with their account, summary and compliance) are a fixed number: they do not
//! grow with the page size nor with the to-one relations nested under an item, and nothing
//! that was not asked for is read (an account's domains, its manager).

use rapport_tests::{Gql, TestApp, complete_sections, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// The benchmark's list page: 50 contacts, each with its account and the account's manager.
const LIST_PAGE: &str = "query($first: Int!) {
  contacts(first: $first) {
    edges { node {
      id firstName lastName email
      account { id name relationshipType accountManager { id name } }
    } }
  }
}";

/// The same page with one to-one level less.
const LIST_PAGE_WITHOUT_MANAGER: &str = "query($first: Int!) {
  contacts(first: $first) {
    edges { node { id firstName lastName email account { id name relationshipType } } }
  }
}";

/// The same page with two to-one levels more (the parent account and its manager).
const LIST_PAGE_WITH_PARENT: &str = "query($first: Int!) {
  contacts(first: $first) {
    edges { node {
      id firstName lastName email
      account {
        id name relationshipType accountManager { id name }
        parent { id name accountManager { id name } }
      }
    } }
  }
}";

/// The same page asking for the accounts' domains.
const LIST_PAGE_WITH_DOMAINS: &str = "query($first: Int!) {
  contacts(first: $first) {
    edges { node { id account { id name domains accountManager { id name } } } }
  }
}";

/// The benchmark's single object: one contact by id with its account.
const ONE_CONTACT: &str = "query($id: ID!) {
  contact(id: $id) { id firstName lastName email account { id name relationshipType } }
}";

/// The single object with the account's manager too.
const ONE_CONTACT_WITH_MANAGER: &str = "query($id: ID!) {
  contact(id: $id) {
    id firstName lastName email
    account { id name relationshipType accountManager { id name } }
  }
}";

/// The benchmark's agreement page: agreements with their account, summary and compliance.
const AGREEMENT_PAGE: &str = "query($first: Int!) {
  agreements(first: $first) {
    edges { node {
      id status
      account { id name }
      summary { title effectiveFrom fee { amount currency } }
      compliance { overall metrics { metricKey status measurementCount } }
    } }
  }
}";

/// The agreement page with the account's manager too.
const AGREEMENT_PAGE_WITH_MANAGER: &str = "query($first: Int!) {
  agreements(first: $first) {
    edges { node {
      id status
      account { id name accountManager { id name } }
      summary { title effectiveFrom fee { amount currency } }
      compliance { overall metrics { metricKey status measurementCount } }
    } }
  }
}";

/// Statements run by one request, and its response. The caller is made known first (one
/// `{ __typename }` with the same token), so authentication is answered from its cache and
/// the count is the query's own.
async fn measured(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> (u64, Gql) {
    let _ = app.gql_as(token, "{ __typename }", json!({})).await;
    let start = app.store.statement_count();
    let res = app.gql_as(token, query, variables).await.ok();
    (app.store.statement_count() - start, res)
}

fn list<'a>(res: &'a Gql, pointer: &str) -> &'a Vec<Value> {
    res.data(pointer)
        .as_array()
        .unwrap_or_else(|| panic!("no list at {pointer}: {}", res.body))
}

/// `accounts` accounts, each a client of one of three managers (every fourth a customer),
/// each but the first the child of the previous one, the even ones referred by one partner,
/// each with a domain and one contact. Answers the partner's token and the contact ids.
async fn contacts_on_accounts(app: &TestApp, accounts: usize) -> (String, Vec<String>) {
    let admin = app.admin_token.clone();
    let mut managers = Vec::new();
    for _ in 0..3 {
        managers.push(app.member("ACCOUNT_MANAGER").await.0);
    }
    let (partner, partner_token) = app.partner("North").await;
    let mut made: Vec<String> = Vec::new();
    let mut contacts = Vec::new();
    for i in 0..accounts {
        let mut extra = json!({"domains": [format!("spread{i:02}.example")]});
        if i % 2 == 0 {
            extra["partnerId"] = json!(partner);
            extra["acquisitionChannel"] = json!("PARTNER");
        }
        if let Some(parent) = made.last() {
            extra["parentId"] = json!(parent);
        }
        let account = app
            .account_as(&admin, &format!("Spread {i:02}"), extra)
            .await;
        if i % 4 != 3 {
            app.promote(&account, &managers[i % 3], 1).await;
        }
        contacts.push(
            app.contact(
                &account,
                &format!("Person {i:02}"),
                Some(&format!("person{i:02}@spread{i:02}.example")),
            )
            .await,
        );
        made.push(account);
    }
    (partner_token, contacts)
}

fn check_list_page(res: &Gql, len: usize) {
    let edges = list(res, "/contacts/edges");
    assert_eq!(edges.len(), len, "{}", res.body);
    for (i, edge) in edges.iter().enumerate() {
        let node = &edge["node"];
        assert_eq!(node["firstName"], format!("Person {i:02}"));
        assert_eq!(node["email"], format!("person{i:02}@spread{i:02}.example"));
        assert_eq!(node["account"]["name"], format!("Spread {i:02}"));
        let manager = &node["account"]["accountManager"];
        if i % 4 == 3 {
            assert_eq!(node["account"]["relationshipType"], "CUSTOMER");
            assert!(manager.is_null(), "{node}");
        } else {
            assert_eq!(node["account"]["relationshipType"], "CLIENT");
            assert_eq!(manager["name"], "Test Member", "{node}");
        }
    }
}

async fn list_page_statements(app: &TestApp) {
    let (partner, _) = contacts_on_accounts(app, 50).await;
    let admin = app.admin_token.clone();
    let admin = Some(admin.as_str());

    let (small, res) = measured(app, admin, LIST_PAGE, json!({"first": 10})).await;
    check_list_page(&res, 10);
    let (large, res) = measured(app, admin, LIST_PAGE, json!({"first": 50})).await;
    check_list_page(&res, 50);
    let (shallow, res) =
        measured(app, admin, LIST_PAGE_WITHOUT_MANAGER, json!({"first": 50})).await;
    assert_eq!(list(&res, "/contacts/edges").len(), 50);
    let (deep, res) = measured(app, admin, LIST_PAGE_WITH_PARENT, json!({"first": 50})).await;
    let edges = list(&res, "/contacts/edges");
    assert_eq!(edges.len(), 50);
    for (i, edge) in edges.iter().enumerate().skip(1) {
        let parent = &edge["node"]["account"]["parent"];
        assert_eq!(parent["name"], format!("Spread {:02}", i - 1), "{edge}");
        assert_eq!(
            parent["accountManager"].is_null(),
            (i - 1) % 4 == 3,
            "{edge}"
        );
    }
    let (with_domains, res) =
        measured(app, admin, LIST_PAGE_WITH_DOMAINS, json!({"first": 50})).await;
    for (i, edge) in list(&res, "/contacts/edges").iter().enumerate() {
        assert_eq!(
            edge["node"]["account"]["domains"],
            json!([format!("spread{i:02}.example")])
        );
    }
    // A partner reads the same page within its scope: its own accounts only, no managers.
    let (as_partner, res) = measured(app, Some(&partner), LIST_PAGE, json!({"first": 50})).await;
    let edges = list(&res, "/contacts/edges");
    assert_eq!(edges.len(), 25, "{}", res.body);
    for (n, edge) in edges.iter().enumerate() {
        assert_eq!(
            edge["node"]["account"]["name"],
            format!("Spread {:02}", n * 2)
        );
        assert!(
            edge["node"]["account"]["accountManager"].is_null(),
            "{edge}"
        );
    }

    eprintln!(
        "list page: 10 = {small}, 50 = {large}; without the manager = {shallow}, with the parent \
         and its manager = {deep}, with domains = {with_domains}; as a partner = {as_partner}"
    );
    assert_eq!(small, large, "{small} for 10, {large} for 50");
    assert_eq!(shallow, large, "the manager costs no statement of its own");
    // The parent is the same table one level up: one statement for every parent of the page
    // with their managers.
    assert_eq!(
        deep,
        large + 1,
        "the parents and their managers cost one statement"
    );
    assert_eq!(
        with_domains,
        large + 1,
        "domains are read only when asked, in one statement"
    );
    assert!(as_partner <= large, "{as_partner} as a partner");
    // The contacts page + the accounts with their managers (a known caller's authentication
    // costs none).
    assert!(
        large <= 2,
        "the list page costs at most 2 statements, not {large}"
    );
}

#[tokio::test]
async fn the_list_page_costs_a_fixed_number_of_statements_whatever_its_size_or_depth() {
    let app = spawn_app().await;
    list_page_statements(&app).await;
}

#[tokio::test]
async fn the_list_page_costs_the_same_statements_without_a_batch_window() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    list_page_statements(&app).await;
}

#[tokio::test]
async fn one_contact_with_its_account_costs_a_fixed_number_of_statements() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    let (partner, contacts) = contacts_on_accounts(&app, 4).await;
    let admin = Some(app.admin_token.as_str());

    let (plain, res) = measured(&app, admin, ONE_CONTACT, json!({"id": contacts[1]})).await;
    assert_eq!(res.data("/contact/account/name"), "Spread 01");
    let (deeper, res) = measured(
        &app,
        admin,
        ONE_CONTACT_WITH_MANAGER,
        json!({"id": contacts[1]}),
    )
    .await;
    assert_eq!(
        res.data("/contact/account/accountManager/name"),
        "Test Member"
    );
    // Out of a partner's scope: NOT_FOUND, as before.
    let refused = app
        .gql_as(Some(&partner), ONE_CONTACT, json!({"id": contacts[1]}))
        .await;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    let (own, res) = measured(
        &app,
        Some(&partner),
        ONE_CONTACT,
        json!({"id": contacts[2]}),
    )
    .await;
    assert_eq!(res.data("/contact/account/name"), "Spread 02");

    eprintln!(
        "one contact: with its account = {plain}, and its manager = {deeper}; as a partner = {own}"
    );
    assert_eq!(plain, deeper, "the manager costs no statement of its own");
    // The contact with its account (and the account's manager); a known caller's
    // authentication costs none.
    assert!(
        plain <= 1,
        "one contact costs at most 1 statement, not {plain}"
    );
    assert!(own <= plain, "{own} as a partner");
}

#[tokio::test]
async fn a_page_of_agreements_with_account_summary_and_compliance_costs_the_same_for_2_or_6() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    let mut made = Vec::new();
    for i in 0..6 {
        let fixture = app
            .client_with_agreement(&format!("Client {i}"), complete_sections())
            .await;
        let at = chrono::Utc::now();
        app.record_measurements(
            &app.admin_token,
            &fixture.agreement,
            json!([rapport_tests::measurement(
                "frt",
                &format!("{}", 30 + i * 10),
                at
            )]),
        )
        .await
        .ok();
        made.push(fixture);
    }
    let admin = Some(app.admin_token.as_str());
    let (small, res) = measured(&app, admin, AGREEMENT_PAGE, json!({"first": 2})).await;
    assert_eq!(list(&res, "/agreements/edges").len(), 2);
    let (large, res) = measured(&app, admin, AGREEMENT_PAGE, json!({"first": 6})).await;
    let edges = list(&res, "/agreements/edges");
    assert_eq!(edges.len(), 6);
    for edge in edges {
        let node = &edge["node"];
        let fixture = made
            .iter()
            .find(|f| node["id"] == f.agreement.as_str())
            .unwrap_or_else(|| panic!("an agreement that was made: {node}"));
        assert_eq!(node["account"]["id"], fixture.account.as_str());
        assert_eq!(node["summary"]["title"], "Managed support");
        assert_eq!(node["summary"]["fee"]["currency"], "EUR");
        let metrics = node["compliance"]["metrics"].as_array().expect("metrics");
        let frt = metrics
            .iter()
            .find(|m| m["metricKey"] == "frt")
            .expect("frt");
        assert_eq!(frt["measurementCount"], 1, "{node}");
    }
    let (deeper, res) = measured(
        &app,
        admin,
        AGREEMENT_PAGE_WITH_MANAGER,
        json!({"first": 6}),
    )
    .await;
    for edge in list(&res, "/agreements/edges") {
        assert_eq!(
            edge["node"]["account"]["accountManager"]["name"], "Test Member",
            "{edge}"
        );
    }
    eprintln!(
        "agreements with account, summary and compliance: 2 = {small}, 6 = {large}; with the \
         account's manager = {deeper}"
    );
    assert_eq!(small, large, "{small} for 2, {large} for 6");
    assert_eq!(
        deeper, large,
        "the account's manager costs no statement of its own"
    );
    // The page; its agreements' revisions with their accounts (and managers); the
    // measurements compliance reads. A known caller's authentication costs none.
    assert!(
        large <= 3,
        "the agreement page costs at most 3 statements, not {large}"
    );
}
