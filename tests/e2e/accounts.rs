use rapport_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn an_admin_creates_promotes_and_demotes_an_account_and_the_history_is_kept() {
    let app = spawn_app().await;
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let account = app
        .account_as(
            &app.admin_token.clone(),
            "Acme",
            json!({"domains": ["acme.com"]}),
        )
        .await;

    let promoted = app
        .gql(
            "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { relationshipType version accountManager { id } } } }",
            json!({"input": {"accountId": account, "accountManagerId": manager, "reason": "signed a retainer", "expectedVersion": 1}}),
        )
        .await
        .ok();
    assert_eq!(
        promoted.data("/promoteToClient/account/relationshipType"),
        "CLIENT"
    );
    assert_eq!(
        promoted.data("/promoteToClient/account/accountManager/id"),
        manager.as_str()
    );

    app.gql(
        "mutation($input: DemoteToCustomerInput!) { demoteToCustomer(input: $input) { account { relationshipType } } }",
        json!({"input": {"accountId": account, "reason": "retainer ended", "expectedVersion": 2}}),
    )
    .await
    .ok();

    let history = app
        .gql(
            "query($id: ID!) { account(id: $id) { relationshipHistory { from to reason actor } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(
        history.data("/account/relationshipHistory"),
        &json!([
            {"from": "CUSTOMER", "to": "CLIENT", "reason": "signed a retainer", "actor": "bootstrap-admin"},
            {"from": "CLIENT", "to": "CUSTOMER", "reason": "retainer ended", "actor": "bootstrap-admin"},
        ])
    );
}
