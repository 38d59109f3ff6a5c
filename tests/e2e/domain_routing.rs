//! Domain routing is staff-owned: a contact created without `accountId` joins an account only
//! through a domain staff set or confirmed. A partner's domains are unconfirmed claims: they
//! capture nobody, and naming a domain that is someone else's answers exactly as naming a fresh
//! one does.

use rapport_api::global_id::{self, Kind};
use rapport_tests::{Gql, TestApp, spawn_app};
use serde_json::{Value, json};

// Asks nothing that did not exist before domain claims, so that the capture and the oracle are
// shown on the code before them too.
const CREATE_ACCOUNT: &str = "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id name kind relationshipType acquisitionChannel status version domains } } }";
const CLAIMS: &str = "query($id: ID!) { account(id: $id) { domainClaims { domain confirmed } } }";
const CREATE_CONTACT: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id account { id } } } }";
const CONFIRM: &str = "mutation($input: ConfirmAccountDomainsInput!) { confirmAccountDomains(input: $input) { account { id version domains domainClaims { domain confirmed } } } }";
const UPDATE_ACCOUNT: &str = "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { id version domainClaims { domain confirmed } } } }";

fn partner_account(name: &str, domains: &[&str]) -> Value {
    json!({"input": {"name": name, "kind": "ORGANIZATION", "acquisitionChannel": "PARTNER", "domains": domains}})
}

fn staff_account(name: &str, domains: &[&str]) -> Value {
    json!({"input": {"name": name, "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT", "domains": domains}})
}

fn message(res: &Gql) -> &str {
    res.body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn id_at(res: &Gql, pointer: &str) -> String {
    res.data(pointer)
        .as_str()
        .unwrap_or_else(|| panic!("no id at {pointer}: {}", res.body))
        .to_owned()
}

/// `createContact` without `accountId`, as `token`.
async fn unrouted_contact(app: &TestApp, token: &str, email: &str) -> Gql {
    app.gql_as(
        Some(token),
        CREATE_CONTACT,
        json!({"input": {"firstName": "Pat", "email": email}}),
    )
    .await
}

/// The ids of the contacts `token` can list.
async fn listed_contacts(app: &TestApp, token: &str) -> Vec<String> {
    app.gql_as(
        Some(token),
        "{ contacts(first: 100) { nodes { id } } }",
        json!({}),
    )
    .await
    .ok()
    .data("/contacts/nodes")
    .as_array()
    .expect("nodes")
    .iter()
    .map(|n| n["id"].as_str().expect("id").to_owned())
    .collect()
}

#[tokio::test]
async fn a_partners_domain_claim_captures_no_contact_until_staff_confirm_it() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("Reseller").await;
    let (_, agent) = app.member("SUPPORT_AGENT").await;

    // The capture attempt: the partner names a prospect's domain...
    let created = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Prospect", &["prospect.example"]),
        )
        .await
        .ok();
    let claimed = id_at(&created, "/createAccount/account/id");

    // ...and a support agent adds the prospect's CEO without an account, as the README shows.
    let res = unrouted_contact(&app, &agent, "ceo@prospect.example").await;
    assert_ne!(
        res.data("/createContact/contact/account/id").as_str(),
        Some(claimed.as_str()),
        "an unconfirmed claim captured the contact: {}",
        res.body
    );
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some("accountId"), "{}", res.body);
    // Staff put the CEO where it belongs; the partner cannot read it.
    let house = app
        .account_as(&app.admin_token.clone(), "House", json!({}))
        .await;
    let ceo = app
        .gql_as(
            Some(&agent),
            CREATE_CONTACT,
            json!({"input": {"accountId": house, "firstName": "Pat", "email": "ceo@prospect.example"}}),
        )
        .await
        .ok();
    let ceo = id_at(&ceo, "/createContact/contact/id");
    assert!(listed_contacts(&app, &partner).await.is_empty());
    let peek = app
        .gql_as(
            Some(&partner),
            "query($id: ID!) { contact(id: $id) { id } }",
            json!({"id": ceo}),
        )
        .await;
    assert_eq!(peek.error_code(), Some("NOT_FOUND"), "{}", peek.body);

    // The partner sees its claim as unconfirmed, and may not confirm it itself.
    let seen = app
        .gql_as(Some(&partner), CLAIMS, json!({"id": claimed}))
        .await
        .ok();
    assert_eq!(
        seen.data("/account/domainClaims"),
        &json!([{"domain": "prospect.example", "confirmed": false}])
    );
    assert_eq!(
        created.data("/createAccount/account/domains"),
        &json!(["prospect.example"])
    );
    let input = json!({"input": {"accountId": claimed, "domains": ["prospect.example"], "expectedVersion": 1}});
    let refused = app.gql_as(Some(&partner), CONFIRM, input.clone()).await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    // Neither may an account manager who does not manage the account.
    let (_, stranger) = app.member("ACCOUNT_MANAGER").await;
    let refused = app.gql_as(Some(&stranger), CONFIRM, input.clone()).await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);

    // An admin confirms the claim: from now on it routes.
    let confirmed = app.gql(CONFIRM, input).await.ok();
    assert_eq!(
        confirmed.data("/confirmAccountDomains/account/domainClaims"),
        &json!([{"domain": "prospect.example", "confirmed": true}])
    );
    assert_eq!(confirmed.data("/confirmAccountDomains/account/version"), 2);
    let cfo = unrouted_contact(&app, &agent, "cfo@prospect.example")
        .await
        .ok();
    assert_eq!(
        cfo.data("/createContact/contact/account/id").as_str(),
        Some(claimed.as_str())
    );
    let cfo = id_at(&cfo, "/createContact/contact/id");
    assert_eq!(listed_contacts(&app, &partner).await, vec![cfo]);

    // The confirmation is audited and announced like every account change.
    let raw = global_id::decode(Kind::Account, &claimed).expect("account id");
    let events = app
        .store
        .outbox_events_for("Account", raw)
        .await
        .expect("outbox");
    assert!(
        events.contains(&"account.domains_confirmed".to_owned()),
        "{events:?}"
    );
    let audit = app
        .gql(
            "query($id: ID!) { auditLog(first: 10, filter: {entityId: $id, action: \"confirmAccountDomains\"}) { nodes { actor action after } } }",
            json!({"id": claimed}),
        )
        .await
        .ok();
    let nodes = audit.data("/auditLog/nodes").as_array().expect("nodes");
    assert_eq!(nodes.len(), 1, "{}", audit.body);
    assert_eq!(nodes[0]["actor"], "bootstrap-admin");
    assert!(
        nodes[0]["after"]
            .as_str()
            .is_some_and(|a| a.contains("\"confirmedDomains\":[\"prospect.example\"]")),
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn a_domain_staff_own_keeps_routing_to_their_account_whatever_a_partner_claims() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("Reseller").await;
    let (_, agent) = app.member("SUPPORT_AGENT").await;
    let owner = app
        .account_as(
            &app.admin_token.clone(),
            "Prospect Inc",
            json!({"domains": ["prospect.example"]}),
        )
        .await;
    let claim = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Prospect", &["prospect.example"]),
        )
        .await
        .ok();
    let claimed = id_at(&claim, "/createAccount/account/id");

    let ceo = unrouted_contact(&app, &agent, "ceo@prospect.example")
        .await
        .ok();
    assert_eq!(
        ceo.data("/createContact/contact/account/id").as_str(),
        Some(owner.as_str())
    );
    assert!(listed_contacts(&app, &partner).await.is_empty());

    // The claim cannot be confirmed over the owner's: staff get a CONFLICT naming both.
    let before = app.table_counts().await;
    let res = app
        .gql(
            CONFIRM,
            json!({"input": {"accountId": claimed, "domains": ["prospect.example"], "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("CONFLICT"), "{}", res.body);
    assert!(message(&res).contains("prospect.example"), "{}", res.body);
    assert!(message(&res).contains(&owner), "{}", res.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    // Confirming a domain the account does not name is a clear input error.
    let res = app
        .gql(
            CONFIRM,
            json!({"input": {"accountId": claimed, "domains": ["prospect.example", "elsewhere.example"], "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some("domains[1]"), "{}", res.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");
}

/// A `createAccount` answer with what legitimately differs between two requests (ids, names,
/// the domain named) replaced by placeholders.
fn redacted(res: &Gql, name: &str, domain: &str) -> String {
    let mut body = res.body.clone();
    if let Some(account) = body.pointer_mut("/data/createAccount/account") {
        account["id"] = json!("<id>");
    }
    body.to_string()
        .replace(name, "<name>")
        .replace(domain, "<domain>")
}

#[tokio::test]
async fn a_partner_naming_a_domain_owned_elsewhere_gets_the_same_answer_as_for_a_fresh_one() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("Reseller").await;
    app.account_as(
        &app.admin_token.clone(),
        "Owner",
        json!({"domains": ["taken.example"]}),
    )
    .await;

    let before = app.table_counts().await;
    let taken = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Probe One", &["taken.example"]),
        )
        .await;
    let fresh = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Probe Two", &["fresh.example"]),
        )
        .await;
    assert_eq!(taken.status, fresh.status);
    assert_eq!(
        redacted(&taken, "Probe One", "taken.example"),
        redacted(&fresh, "Probe Two", "fresh.example"),
        "the answers differ only by what the partner sent"
    );
    for (res, domain) in [(&taken, "taken.example"), (&fresh, "fresh.example")] {
        let id = id_at(res, "/createAccount/account/id");
        let seen = app
            .gql_as(Some(&partner), CLAIMS, json!({"id": id}))
            .await
            .ok();
        assert_eq!(
            seen.data("/account/domainClaims"),
            &json!([{"domain": domain, "confirmed": false}])
        );
    }
    // Both wrote the same rows: an account, its claim, its audit row and its two events
    // (account.created, partner.referral_created) each.
    let after = app.table_counts().await;
    let grown: Vec<(&str, i64)> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, a)| (b.0, a.1 - b.1))
        .collect();
    assert_eq!(
        grown,
        [
            ("accounts", 2),
            ("account_domains", 2),
            ("audit_log", 2),
            ("outbox", 4)
        ]
    );

    // A domain that is invalid in itself is still refused, naming it.
    let before = app.table_counts().await;
    let res = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Probe Three", &["fresh.example", "not a domain"]),
        )
        .await;
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some("domains[1]"), "{}", res.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");
}

#[tokio::test]
async fn staff_naming_a_domain_confirmed_for_another_account_get_a_conflict_naming_it() {
    let app = spawn_app().await;
    let owner = app
        .account_as(
            &app.admin_token.clone(),
            "Owner",
            json!({"domains": ["taken.example"]}),
        )
        .await;
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let before = app.table_counts().await;
    let res = app
        .gql_as(
            Some(&manager),
            CREATE_ACCOUNT,
            staff_account("Second", &["taken.example"]),
        )
        .await;
    assert_eq!(res.error_code(), Some("CONFLICT"), "{}", res.body);
    assert!(message(&res).contains("taken.example"), "{}", res.body);
    assert!(message(&res).contains(&owner), "{}", res.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    // The same through an update of another account.
    let other = app
        .account_as(&app.admin_token.clone(), "Other", json!({}))
        .await;
    let before = app.table_counts().await;
    let res = app
        .gql(
            UPDATE_ACCOUNT,
            json!({"input": {"accountId": other, "expectedVersion": 1, "domains": ["other.example", "taken.example"]}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("CONFLICT"), "{}", res.body);
    assert!(message(&res).contains("taken.example"), "{}", res.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    // A staff update keeps a partner's claim unconfirmed when it sends the list again, and
    // confirms what it adds.
    let (_, partner) = app.partner("Reseller").await;
    let claim = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Prospect", &["claimed.example"]),
        )
        .await
        .ok();
    let claimed = id_at(&claim, "/createAccount/account/id");
    let updated = app
        .gql(
            UPDATE_ACCOUNT,
            json!({"input": {"accountId": claimed, "expectedVersion": 1, "domains": ["claimed.example", "added.example"]}}),
        )
        .await
        .ok();
    assert_eq!(
        updated.data("/updateAccount/account/domainClaims"),
        &json!([
            {"domain": "added.example", "confirmed": true},
            {"domain": "claimed.example", "confirmed": false},
        ])
    );
}

#[tokio::test]
async fn the_manager_of_an_account_may_confirm_its_domains() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("Reseller").await;
    let claim = app
        .gql_as(
            Some(&partner),
            CREATE_ACCOUNT,
            partner_account("Prospect", &["prospect.example"]),
        )
        .await
        .ok();
    let claimed = id_at(&claim, "/createAccount/account/id");
    let (manager, manager_token) = app.member("ACCOUNT_MANAGER").await;
    app.promote(&claimed, &manager, 1).await;
    // Input that names no usable domain is refused, naming the field, and writes nothing.
    let before = app.table_counts().await;
    for (domains, field) in [
        (json!(["not a domain"]), "domains[0]"),
        (json!([]), "domains"),
    ] {
        let res = app
            .gql_as(
                Some(&manager_token),
                CONFIRM,
                json!({"input": {"accountId": claimed, "domains": domains, "expectedVersion": 2}}),
            )
            .await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some(field), "{}", res.body);
    }
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");
    let res = app
        .gql_as(
            Some(&manager_token),
            CONFIRM,
            json!({"input": {"accountId": claimed, "domains": ["prospect.example"], "expectedVersion": 2}}),
        )
        .await
        .ok();
    assert_eq!(
        res.data("/confirmAccountDomains/account/domainClaims"),
        &json!([{"domain": "prospect.example", "confirmed": true}])
    );
    // A stale version is a CONFLICT, as for every account mutation.
    let stale = app
        .gql_as(
            Some(&manager_token),
            CONFIRM,
            json!({"input": {"accountId": claimed, "domains": ["prospect.example"], "expectedVersion": 2}}),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
}
