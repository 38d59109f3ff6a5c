//! Keyset pagination, page arguments, mutation payloads and totals computed only when asked.

use rapport_tests::spawn_app;
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn keyset_pagination_gives_every_account_exactly_once_forward_and_backward() {
    let app = spawn_app().await;
    let all = accounts_named(&app, "Paged", 25).await;

    // Forward, 7 at a time: 7 + 7 + 7 + 4.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let res = app
            .gql(ACCOUNTS_PAGE, json!({"first": 7, "after": after}))
            .await
            .ok();
        let page = res.data("/accounts").clone();
        pages += 1;
        assert_eq!(
            flag(&page, "hasPreviousPage"),
            pages > 1,
            "hasPreviousPage on forward page {pages}"
        );
        seen.extend(names(&page));
        if !flag(&page, "hasNextPage") {
            break;
        }
        assert!(pages < 10, "forward paging does not end");
        after = Some(cursor(&page, "endCursor"));
    }
    assert_eq!(pages, 4);
    assert_eq!(
        seen, all,
        "forward pages cover every account once, in order"
    );

    // Backward, 7 at a time from the end.
    let mut seen_back: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let res = app
            .gql(ACCOUNTS_PAGE, json!({"last": 7, "before": before}))
            .await
            .ok();
        let page = res.data("/accounts").clone();
        pages += 1;
        assert_eq!(
            flag(&page, "hasNextPage"),
            pages > 1,
            "hasNextPage on backward page {pages}"
        );
        let mut chunk = names(&page);
        chunk.extend(seen_back);
        seen_back = chunk;
        if !flag(&page, "hasPreviousPage") {
            break;
        }
        assert!(pages < 10, "backward paging does not end");
        before = Some(cursor(&page, "startCursor"));
    }
    assert_eq!(pages, 4);
    assert_eq!(
        seen_back, all,
        "backward pages cover every account once, in order"
    );

    // Cursors of edges are usable too: the page after the 3rd edge starts at the 4th account.
    let first = app.gql(ACCOUNTS_PAGE, json!({"first": 3})).await.ok();
    let third = first
        .data("/accounts/edges/2/cursor")
        .as_str()
        .expect("cursor")
        .to_owned();
    let next = app
        .gql(ACCOUNTS_PAGE, json!({"first": 2, "after": third}))
        .await
        .ok();
    assert_eq!(names(next.data("/accounts")), all[3..5].to_vec());
}

#[tokio::test]
async fn first_is_capped_at_100_and_bad_page_arguments_are_refused_naming_the_argument() {
    let app = spawn_app().await;
    let over = app
        .gql("{ accounts(first: 101) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(over.error_code(), Some("BAD_USER_INPUT"), "{}", over.body);
    assert_eq!(over.error_field(), Some("first"), "{}", over.body);

    let last_over = app
        .gql("{ contacts(last: 101) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(last_over.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(last_over.error_field(), Some("last"));

    let at = app
        .gql("{ accounts(first: 100) { nodes { id } } }", json!({}))
        .await
        .ok();
    assert!(at.data("/accounts/nodes").is_array());

    // Other nonsense is refused the same way, naming the argument.
    for (args, field) in [
        ("first: -1", "first"),
        ("first: 2, last: 2", "last"),
        ("after: \"not-a-cursor\"", "after"),
        ("last: 2, before: \"bm9wZQ\"", "before"),
    ] {
        let res = app
            .gql(
                &format!("{{ accounts({args}) {{ nodes {{ id }} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            res.error_code(),
            Some("BAD_USER_INPUT"),
            "{args}: {}",
            res.body
        );
        assert_eq!(res.error_field(), Some(field), "{args}: {}", res.body);
    }
}

#[tokio::test]
async fn a_mutation_payload_reads_what_earlier_mutations_of_the_same_document_wrote() {
    let app = spawn_app().await;
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let account = app
        .account_as(&app.admin_token.clone(), "Fresh", json!({}))
        .await;
    let res = app
        .gql(
            "mutation($account: ID!, $manager: ID!) {
              a: promoteToClient(input: {accountId: $account, accountManagerId: $manager, reason: \"retainer\", expectedVersion: 1}) {
                account { accountManager { name } relationshipHistory { to } }
              }
              b: updateTeamMember(input: {teamMemberId: $manager, expectedVersion: 1, name: \"Renamed Manager\"}) {
                teamMember { name }
              }
              c: demoteToCustomer(input: {accountId: $account, reason: \"ended\", expectedVersion: 2}) {
                account { relationshipHistory { to } }
              }
              d: assignAccountManager(input: {accountId: $account, accountManagerId: $manager, expectedVersion: 3}) {
                account { accountManager { name } }
              }
            }",
            json!({"account": account, "manager": manager}),
        )
        .await
        .ok();
    assert_eq!(res.data("/a/account/accountManager/name"), "Test Member");
    assert_eq!(
        res.data("/a/account/relationshipHistory"),
        &json!([{"to": "CLIENT"}])
    );
    assert_eq!(
        res.data("/c/account/relationshipHistory"),
        &json!([{"to": "CLIENT"}, {"to": "CUSTOMER"}])
    );
    assert_eq!(
        res.data("/d/account/accountManager/name"),
        "Renamed Manager"
    );
}

#[tokio::test]
async fn total_count_is_computed_only_when_selected() {
    let app = spawn_app().await;
    accounts_named(&app, "Counted", 5).await;
    let without = "{ accounts(first: 2) { nodes { id } } }";
    let with = "{ accounts(first: 2) { nodes { id } totalCount } }";

    // Warm up once so both measured requests run the same way.
    app.gql(without, json!({})).await.ok();

    let start = app.store.statement_count();
    app.gql(without, json!({})).await.ok();
    let plain = app.store.statement_count() - start;

    let start = app.store.statement_count();
    let res = app.gql(with, json!({})).await.ok();
    let counted = app.store.statement_count() - start;

    assert_eq!(res.data("/accounts/totalCount"), 5);
    assert_eq!(
        counted,
        plain + 1,
        "selecting totalCount costs exactly one statement ({plain} without, {counted} with)"
    );
}
