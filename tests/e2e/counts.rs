//! `totalCount` of contacts and accounts: the maintained counts the database keeps never drift
//! from `COUNT(*)`, whatever writes them; the API answers from them, exactly, and a partner's
//! count covers only its own accounts.

use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const TOTALS: &str = "{
  contacts { totalCount }
  clientContacts: contacts(filter: {account: {relationshipType: CLIENT}}) { totalCount }
  customerContacts: contacts(filter: {account: {relationshipType: CUSTOMER}}) { totalCount }
  estimatedContacts: contacts { totalCount(exact: false) }
  accounts { totalCount }
  clients: accounts(filter: {relationshipType: CLIENT}) { totalCount }
  customers: accounts(filter: {relationshipType: CUSTOMER}) { totalCount }
  estimatedClients: accounts(filter: {relationshipType: CLIENT}) { totalCount(exact: false) }
}";

/// `COUNT(*)` of `list` for `relationship` (all when `None`), from the scan.
fn scanned(counted: &[(String, String, i64)], list: &str, relationship: Option<&str>) -> i64 {
    counted
        .iter()
        .filter(|(l, r, _)| l == list && relationship.is_none_or(|want| r == want))
        .map(|(_, _, n)| n)
        .sum()
}

/// Checks the maintained counts against `COUNT(*)`, and every `totalCount` the API answers
/// from them against the same scan; `step` names the write just made.
async fn assert_counts_hold(app: &TestApp, step: &str) {
    let counted = app.store.counted_by_scan().await.expect("scan");
    let maintained = app.store.maintained_counts().await.expect("maintained");
    assert_eq!(maintained, counted, "after {step}: maintained vs COUNT(*)");

    let res = app.gql(TOTALS, json!({})).await.ok();
    let total = |alias: &str| res.data(&format!("/{alias}/totalCount")).as_i64();
    let expected = [
        ("contacts", scanned(&counted, "contacts", None)),
        (
            "clientContacts",
            scanned(&counted, "contacts", Some("CLIENT")),
        ),
        (
            "customerContacts",
            scanned(&counted, "contacts", Some("CUSTOMER")),
        ),
        ("estimatedContacts", scanned(&counted, "contacts", None)),
        ("accounts", scanned(&counted, "accounts", None)),
        ("clients", scanned(&counted, "accounts", Some("CLIENT"))),
        ("customers", scanned(&counted, "accounts", Some("CUSTOMER"))),
        (
            "estimatedClients",
            scanned(&counted, "accounts", Some("CLIENT")),
        ),
    ];
    for (alias, n) in expected {
        assert_eq!(total(alias), Some(n), "after {step}: {alias}");
    }
}

async fn version_of(app: &TestApp, kind: &str, id: &str) -> i64 {
    app.gql(
        &format!("query($id: ID!) {{ {kind}(id: $id) {{ version }} }}"),
        json!({"id": id}),
    )
    .await
    .ok()
    .data(&format!("/{kind}/version"))
    .as_i64()
    .expect("version")
}

async fn promote(app: &TestApp, account: &str, manager: &str) {
    let version = version_of(app, "account", account).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": account, "accountManagerId": manager, "reason": "retainer", "expectedVersion": version}}),
    )
    .await
    .ok();
}

async fn demote(app: &TestApp, account: &str) {
    let version = version_of(app, "account", account).await;
    app.gql(
        "mutation($input: DemoteToCustomerInput!) { demoteToCustomer(input: $input) { account { id } } }",
        json!({"input": {"accountId": account, "reason": "retainer ended", "expectedVersion": version}}),
    )
    .await
    .ok();
}

async fn move_contact(app: &TestApp, contact: &str, to: &str) {
    let version = version_of(app, "contact", contact).await;
    app.gql(
        "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } } }",
        json!({"input": {"contactId": contact, "expectedVersion": version, "accountId": to}}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn maintained_counts_never_drift_from_count_star() {
    let app = spawn_app().await;
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let admin = app.admin_token.clone();
    assert_counts_hold(&app, "start").await;

    let acme = app.account_as(&admin, "Acme", json!({})).await;
    let globex = app.account_as(&admin, "Globex", json!({})).await;
    let initech = app.account_as(&admin, "Initech", json!({})).await;
    let mut contacts = Vec::new();
    for (i, account) in [&acme, &acme, &acme, &globex, &globex, &initech]
        .into_iter()
        .enumerate()
    {
        contacts.push(app.contact(account, &format!("Person {i}"), None).await);
    }
    assert_counts_hold(&app, "creating accounts and contacts").await;

    promote(&app, &acme, &manager).await;
    assert_counts_hold(&app, "promoting an account with three contacts").await;

    move_contact(&app, &contacts[3], &acme).await;
    assert_counts_hold(&app, "moving a contact from a customer to a client").await;
    move_contact(&app, &contacts[0], &initech).await;
    assert_counts_hold(&app, "moving a contact from a client to a customer").await;

    promote(&app, &globex, &manager).await;
    demote(&app, &acme).await;
    assert_counts_hold(&app, "a promotion and a demotion").await;

    app.gql(
        "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
        json!({"id": contacts[1]}),
    )
    .await
    .ok();
    assert_counts_hold(&app, "erasing a contact (its tombstone stays listed)").await;

    // Writes that do not go through the API are counted too: several rows per statement.
    app.store
        .execute_raw(
            "INSERT INTO contacts (account_id, first_name, phones, email_consent, tags, \
             custom_fields, search_text, version, created_at, updated_at) \
             SELECT a.id, 'Bulk', '[]', 'NONE', '[]', '[]', 'bulk', 1, a.created_at, a.created_at \
             FROM accounts a",
        )
        .await
        .expect("bulk insert");
    assert_counts_hold(&app, "a bulk insert of contacts in one statement").await;
    app.store
        .execute_raw(
            "UPDATE accounts SET \
             relationship = CASE relationship WHEN 'CLIENT' THEN 'CUSTOMER' ELSE 'CLIENT' END, \
             account_manager_id = CASE relationship WHEN 'CLIENT' THEN NULL ELSE \
             (SELECT MIN(id) FROM team_members WHERE role = 'ACCOUNT_MANAGER') END",
        )
        .await
        .expect("bulk flip");
    assert_counts_hold(
        &app,
        "flipping every account's relationship in one statement",
    )
    .await;
    app.store
        .execute_raw("DELETE FROM contacts WHERE first_name = 'Bulk'")
        .await
        .expect("bulk delete");
    assert_counts_hold(&app, "a bulk delete of contacts").await;
    app.store
        .execute_raw("DELETE FROM accounts WHERE id NOT IN (SELECT account_id FROM contacts)")
        .await
        .expect("delete accounts without contacts");
    assert_counts_hold(&app, "deleting accounts").await;
}

#[tokio::test]
async fn a_partner_counts_only_its_own_accounts_and_contacts() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (partner, partner_token) = app.partner("North").await;
    let referred = app
        .account_as(
            &admin,
            "Referred",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let direct = app.account_as(&admin, "Direct", json!({})).await;
    app.contact(&referred, "Ann", None).await;
    app.contact(&direct, "Bob", None).await;
    app.contact(&direct, "Cy", None).await;

    let query = "{ contacts { totalCount } estimated: contacts { totalCount(exact: false) } \
                 accounts { totalCount } }";
    let staff = app.gql(query, json!({})).await.ok();
    let theirs = app
        .gql_as(Some(&partner_token), query, json!({}))
        .await
        .ok();
    let totals = |res: &rapport_tests::Gql| -> Value {
        json!([
            res.data("/contacts/totalCount"),
            res.data("/estimated/totalCount"),
            res.data("/accounts/totalCount"),
        ])
    };
    assert_eq!(totals(&staff), json!([3, 3, 2]));
    assert_eq!(totals(&theirs), json!([1, 1, 1]));
}

#[tokio::test]
async fn a_filtered_count_is_exact_by_default_and_an_estimate_only_when_asked() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let account = app.account_as(&admin, "Acme", json!({})).await;
    for name in ["Ann", "Anna", "Bob"] {
        app.contact(&account, name, None).await;
    }
    let res = app
        .gql(
            "{ exact: contacts(filter: {search: \"ann\"}) { totalCount }
               estimate: contacts(filter: {search: \"ann\"}) { totalCount(exact: false) } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(res.data("/exact/totalCount"), 2);
    let estimate = res.data("/estimate/totalCount").as_i64().expect("a number");
    if app.store.is_sqlite() {
        // SQLite has no planner estimate: it counts.
        assert_eq!(estimate, 2);
    } else {
        // The planner's figure for a table this small: a guess, but a non-negative number.
        assert!(estimate >= 0, "{estimate}");
    }
}
