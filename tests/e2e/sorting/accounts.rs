//! Accounts: NAME (case-insensitive, Unicode), CREATED_AT, UPDATED_AT, RELATIONSHIP_TYPE and
//! NEXT_DEADLINE, top-level and nested (children, Partner.accounts, TeamMember.managedAccounts).

use rapport_tests::{TestApp, complete_sections, spawn_app};
use serde_json::{Value, json};

use super::{Conn, Read, query};

pub const SELECTION: &str = "name relationshipType createdAt updatedAt";

pub fn fields() -> Vec<(&'static str, Read)> {
    vec![
        ("NAME", Read::Text("/name")),
        ("CREATED_AT", Read::Instant("/createdAt")),
        ("UPDATED_AT", Read::Instant("/updatedAt")),
        ("RELATIONSHIP_TYPE", Read::Plain("/relationshipType")),
    ]
}

/// Sections whose notice period is `days`.
pub fn with_notice(days: i64) -> Value {
    let mut s = complete_sections();
    s["reviewAndTermination"]["noticePeriodDays"] = json!(days);
    s
}

/// Accounts with names that differ only in case, a non-ASCII one, clients with agreements in
/// force whose notice periods differ, and a renamed one (a later `updatedAt`). Answers the
/// names of the clients with agreements, earliest deadline first.
pub async fn seed(app: &TestApp) -> Vec<&'static str> {
    let admin = app.admin_token.clone();
    for name in [
        "beta", "Alpha", "alpha", "Émile", "zeta", "ALPHA", "Delta", "émile",
    ] {
        app.account_as(&admin, name, json!({})).await;
    }
    let renamed = app.account_as(&admin, "Omega", json!({})).await;
    app.gql(
        "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { id } } }",
        json!({"input": {"accountId": renamed, "expectedVersion": 1, "name": "aardvark"}}),
    )
    .await
    .ok();
    app.client_account("Client without agreement").await;
    // Longer notice, earlier `cancelBy`.
    for (name, days) in [("Gamma", 30), ("gamma", 90), ("Kappa", 60)] {
        app.client_with_agreement(name, with_notice(days)).await;
    }
    vec!["gamma", "Kappa", "Gamma"]
}

fn conn(app: &TestApp) -> Conn<'_> {
    Conn {
        app,
        token: app.admin_token.clone(),
        query: query("AccountOrder", None, "accounts", "", SELECTION),
        path: "/accounts",
        vars: json!({}),
    }
}

#[tokio::test]
async fn accounts_sort_by_every_field_both_ways_and_page_both_ways() {
    let app = spawn_app().await;
    let deadlines = seed(&app).await;
    let c = conn(&app);
    let n = c.check_fields(&fields(), 3).await;
    assert_eq!(n, 13);

    // Mixed directions: relationship ascending, then name descending.
    let ranks = c.ranks().await;
    c.check_order(
        &json!([{"field": "RELATIONSHIP_TYPE"}, {"field": "NAME", "direction": "DESC"}]),
        &[
            (Read::Plain("/relationshipType"), false),
            (Read::Text("/name"), true),
        ],
        &ranks,
        4,
    )
    .await;

    // Case-insensitive, Unicode: every spelling of "alpha" together, "émile" after "zeta"
    // (code point order of the lower-cased name), the same on both databases.
    let names: Vec<String> = c
        .walk(&json!([{"field": "NAME"}]), 100, false)
        .await
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "aardvark",
            "Alpha",
            "alpha",
            "ALPHA",
            "beta",
            "Client without agreement",
            "Delta",
            "Gamma",
            "gamma",
            "Kappa",
            "zeta",
            "Émile",
            "émile",
        ]
    );

    // The next deadline: earliest `cancelBy` first, accounts without an agreement in force
    // last (and first when descending), ids ascending among them.
    for (dir, size) in [("ASC", 2), ("DESC", 5)] {
        let order = json!([{"field": "NEXT_DEADLINE", "direction": dir}]);
        let all = c.walk(&order, 100, false).await;
        let mut names: Vec<&str> = all
            .iter()
            .map(|n| n["name"].as_str().expect("name"))
            .collect();
        if dir == "DESC" {
            names.reverse();
        }
        assert_eq!(&names[..3], &deadlines[..], "{dir}: {names:?}");
        assert_eq!(
            super::ids(&c.walk(&order, size, true).await),
            super::ids(&all)
        );
        assert_eq!(
            super::ids(&c.walk(&order, size, false).await),
            super::ids(&all)
        );
    }
}

#[tokio::test]
async fn nested_account_lists_sort_too() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (partner, _) = app.partner("North").await;
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let parent = app.account_as(&admin, "Parent", json!({})).await;
    for (i, name) in ["b", "C", "a", "c", "B", "A"].iter().enumerate() {
        let extra =
            json!({"parentId": parent, "partnerId": partner, "acquisitionChannel": "PARTNER"});
        let id = app.account_as(&admin, name, extra).await;
        if i % 3 != 0 {
            app.promote(&id, &manager, 1).await;
        }
    }
    for (parent_id, fragment, field) in [
        (&parent, "Account", "children"),
        (&partner, "Partner", "accounts"),
        (&manager, "TeamMember", "managedAccounts"),
    ] {
        let c = Conn {
            app: &app,
            token: admin.clone(),
            query: query(
                "AccountOrder",
                Some(("node", fragment)),
                field,
                "",
                SELECTION,
            ),
            path: match field {
                "children" => "/node/children",
                "accounts" => "/node/accounts",
                _ => "/node/managedAccounts",
            },
            vars: json!({"id": parent_id}),
        };
        let n = c.check_fields(&fields(), 2).await;
        assert!(n >= 4, "{fragment}.{field} lists {n}");
    }
}
