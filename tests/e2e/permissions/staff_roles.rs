//! The staff roles' limits on every mutation.

use rapport_tests::spawn_app;
use serde_json::json;

use super::common::*;

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
