//! Every mutation refuses invalid input with BAD_USER_INPUT, names the input field in
//! `extensions.field`, and writes nothing.

use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Runs `mutation` with `input` and asserts it is refused as bad input on `field` without a
/// single row changing anywhere.
async fn refused(app: &TestApp, mutation: &str, input: Value, field: &str) {
    let before = app.table_counts().await;
    let res = app.gql(mutation, json!({"input": input})).await;
    assert_eq!(
        res.error_code(),
        Some("BAD_USER_INPUT"),
        "{mutation} with {input}: {}",
        res.body
    );
    assert_eq!(
        res.error_field(),
        Some(field),
        "{mutation} with {input}: {}",
        res.body
    );
    let message = res
        .body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(!message.is_empty(), "a message says what is wrong");
    assert_eq!(
        app.table_counts().await,
        before,
        "{mutation} with {input} changed nothing"
    );
}

const CREATE_ACCOUNT: &str =
    "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }";
const UPDATE_ACCOUNT: &str =
    "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { id } } }";
const PROMOTE: &str =
    "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }";
const CREATE_CONTACT: &str =
    "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }";
const UPDATE_CONTACT: &str =
    "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } } }";
const CREATE_MEMBER: &str = "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }";
const CREATE_PARTNER: &str =
    "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { id } } }";
const ISSUE_TOKEN: &str =
    "mutation($input: IssuePartnerTokenInput!) { issuePartnerToken(input: $input) { token } }";
const REVOKE_TOKEN: &str =
    "mutation($input: RevokeTokenInput!) { revokeToken(input: $input) { tokenId } }";

fn account_input(extra: Value) -> Value {
    let mut input = json!({"name": "Acme", "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"});
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    input
}

#[tokio::test]
async fn account_mutations_refuse_bad_input_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let (viewer, _) = app.member("VIEWER").await;
    let (partner, _) = app.partner("Referrer").await;
    let account = app
        .account_as(&app.admin_token.clone(), "Existing", json!({}))
        .await;

    refused(
        &app,
        CREATE_ACCOUNT,
        account_input(json!({"name": "   "})),
        "name",
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        account_input(json!({"domains": ["acme.com", "acme"]})),
        "domains[1]",
    )
    .await;
    // An id of another kind (here an account's and a team member's) is not a partner id.
    refused(
        &app,
        CREATE_ACCOUNT,
        account_input(json!({"partnerId": account})),
        "partnerId",
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        account_input(json!({"partnerId": viewer})),
        "partnerId",
    )
    .await;
    // A real partner id still works, so the refusals above were about the kind.
    app.account_as(
        &app.admin_token.clone(),
        "Referred",
        json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
    )
    .await;

    refused(
        &app,
        UPDATE_ACCOUNT,
        json!({"accountId": account, "expectedVersion": 1, "domains": ["acme"]}),
        "domains[0]",
    )
    .await;

    refused(
        &app,
        PROMOTE,
        json!({"accountId": account, "accountManagerId": viewer, "reason": " ", "expectedVersion": 1}),
        "reason",
    )
    .await;
    refused(
        &app,
        PROMOTE,
        json!({"accountId": account, "accountManagerId": viewer, "reason": "big deal", "expectedVersion": 1}),
        "accountManagerId",
    )
    .await;
}

#[tokio::test]
async fn contact_mutations_refuse_bad_input_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Contacts Inc", json!({}))
        .await;
    let existing = app
        .contact(&account, "Ada", Some("ada@contacts.example"))
        .await;
    let contact = |extra: Value| {
        let mut input = json!({"accountId": account, "firstName": "Grace"});
        if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        input
    };

    refused(
        &app,
        CREATE_CONTACT,
        contact(json!({"email": "not an email"})),
        "email",
    )
    .await;
    refused(
        &app,
        CREATE_CONTACT,
        contact(json!({"phones": [{"number": "0612", "type": "MOBILE"}]})),
        "phones[0].number",
    )
    .await;
    refused(
        &app,
        CREATE_CONTACT,
        contact(json!({"emailConsent": "SUBSCRIBED"})),
        "emailConsent",
    )
    .await;
    refused(
        &app,
        CREATE_CONTACT,
        contact(json!({"tags": ["  "]})),
        "tags[0]",
    )
    .await;
    refused(
        &app,
        CREATE_CONTACT,
        contact(json!({"customFields": [{"key": "seats", "type": "NUMBER", "value": "abc"}]})),
        "customFields[0].value",
    )
    .await;
    // One person, one contact: the address of another contact, in any case, is taken.
    refused(
        &app,
        CREATE_CONTACT,
        contact(json!({"email": "ADA@contacts.example"})),
        "email",
    )
    .await;

    refused(
        &app,
        UPDATE_CONTACT,
        json!({"contactId": existing, "expectedVersion": 1, "email": "ada@"}),
        "email",
    )
    .await;
}

#[tokio::test]
async fn team_partner_and_token_mutations_refuse_bad_input_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let (partner, _) = app.partner("Referrer").await;
    let member = |role: &str, subject: &str| json!({"name": "Sam", "email": format!("{}@example.com", subject.replace(' ', "")), "role": role, "subject": subject});
    app.gql(
        CREATE_MEMBER,
        json!({"input": member("SUPPORT_AGENT", "sam-1")}),
    )
    .await
    .ok();

    refused(&app, CREATE_MEMBER, member("PARTNER", "sam-2"), "role").await;
    refused(&app, CREATE_MEMBER, member("VIEWER", "sam two"), "subject").await;
    let mut same_subject = member("VIEWER", "sam-1");
    same_subject["email"] = json!("another-sam@example.com");
    refused(&app, CREATE_MEMBER, same_subject, "subject").await;

    refused(&app, CREATE_PARTNER, json!({"name": ""}), "name").await;

    refused(
        &app,
        ISSUE_TOKEN,
        json!({"partnerId": partner, "validForDays": 0}),
        "validForDays",
    )
    .await;

    refused(&app, REVOKE_TOKEN, json!({"tokenId": "!!"}), "tokenId").await;
}

#[tokio::test]
async fn filter_text_with_control_characters_is_bad_input_naming_the_filter_field() {
    let app = spawn_app().await;
    for (query, field) in [
        (
            "query($t: String!) { accounts(filter: {search: $t}) { totalCount } }",
            "filter.search",
        ),
        (
            "query($t: String!) { contacts(filter: {search: $t}) { totalCount } }",
            "filter.search",
        ),
        (
            "query($t: String!) { contacts(filter: {tag: $t}) { totalCount } }",
            "filter.tag",
        ),
        (
            "query($t: String!) { auditLog(filter: {actor: $t}) { totalCount } }",
            "filter.actor",
        ),
        (
            "query($t: String!) { auditLog(filter: {action: $t}) { totalCount } }",
            "filter.action",
        ),
    ] {
        let res = app.gql(query, json!({"t": "ab\u{0}c"})).await;
        assert_eq!(
            res.error_code(),
            Some("BAD_USER_INPUT"),
            "{query}: {}",
            res.body
        );
        assert_eq!(res.error_field(), Some(field), "{query}: {}", res.body);
    }
}
