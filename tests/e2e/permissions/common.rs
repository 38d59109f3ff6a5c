//! Helpers of the permission tests: ids of a page, refusals, and well-formed input for every mutation.

use std::collections::BTreeSet;

use rapport_tests::{Gql, TestApp};
use serde_json::{Value, json};

/// The `id`s of the objects in the array at `pointer` (under `data`).
pub(super) fn ids(res: &Gql, pointer: &str) -> BTreeSet<String> {
    res.data(pointer)
        .as_array()
        .unwrap_or_else(|| panic!("no array at {pointer}: {}", res.body))
        .iter()
        .map(|n| n["id"].as_str().expect("node id").to_owned())
        .collect()
}

pub(super) fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).clone()).collect()
}

/// The errors of a response, as an array (empty when there are none).
pub(super) fn errors(res: &Gql) -> Vec<Value> {
    res.body["errors"].as_array().cloned().unwrap_or_default()
}

/// Asserts the response is one error with `code` and a null `data` at `pointer`.
pub(super) fn assert_refused(res: &Gql, pointer: &str, code: &str, what: &str) {
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
pub(super) async fn version(app: &TestApp, id: &str) -> i64 {
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
pub(super) async fn promote(app: &TestApp, account: &str, manager: &str) {
    let v = version(app, account).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": account, "accountManagerId": manager, "reason": "signed a retainer", "expectedVersion": v}}),
    )
    .await
    .ok();
}

/// Well-formed input for every mutation, aimed at real rows.
pub(super) struct Targets {
    pub(super) customer: String,
    pub(super) client: String,
    pub(super) contact: String,
    pub(super) member: String,
    pub(super) manager: String,
    pub(super) partner: String,
    pub(super) token_id: String,
}

pub(super) async fn targets(app: &TestApp) -> Targets {
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
pub(super) async fn every_mutation(
    app: &TestApp,
    t: &Targets,
) -> Vec<(&'static str, &'static str, Value)> {
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
