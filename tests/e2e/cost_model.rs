//! The cost model end to end: the screens a CRM front end is made of answer data under the
//! default limits, documents whose answer could hold too many objects are refused before
//! anything runs — with the cost, the limit and the setting — aliases are each paid for,
//! and introspection is not costed.

use rapport_tests::documents::CONTACT_PAGE;
use rapport_tests::{Gql, TestApp, complete_sections, measurement, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const DASHBOARD: &str = include_str!("../../api/src/graphql/guard/model/screens/dashboard.graphql");
const DASHBOARD_RELAY: &str =
    include_str!("../../api/src/graphql/guard/model/screens/dashboard_relay.graphql");
const ACCOUNTS_AGREEMENTS: &str =
    include_str!("../../api/src/graphql/guard/model/screens/accounts_agreements.graphql");
const HOSTILE: &str = include_str!("../../api/src/graphql/guard/model/screens/hostile.graphql");
const NEEDS_ATTENTION: &str =
    include_str!("../../api/src/graphql/guard/model/screens/needs_attention.graphql");

/// Two client accounts, each with an active agreement whose response time breached (so it
/// has a service credit), and a customer account without either.
async fn seed(app: &TestApp) {
    for name in ["Acme Retainer", "Globex Support"] {
        let fixture = app.client_with_agreement(name, complete_sections()).await;
        app.record_measurements(
            &app.admin_token,
            &fixture.agreement,
            json!([measurement("frt", "120", chrono::Utc::now())]),
        )
        .await
        .ok();
    }
    app.account_as(&app.admin_token.clone(), "Walk-in Customer", json!({}))
        .await;
}

fn array<'a>(value: &'a Value, what: &str) -> &'a Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what} is a list: {value}"))
}

/// Asserts a refusal by the cost model: 400, no `data`, `QUERY_TOO_COMPLEX` naming
/// `graphql.max_complexity`, with `cost` and `limit` in `extensions`; answers the cost.
fn assert_too_costly(res: &Gql, limit: u64) -> u64 {
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.get("data").is_none(), "no data: {}", res.body);
    assert_eq!(res.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", res.body);
    let ext = &res.body["errors"][0]["extensions"];
    assert_eq!(ext["bound"], "graphql.max_complexity", "{}", res.body);
    assert_eq!(ext["limit"], limit, "{}", res.body);
    let cost = ext["cost"].as_u64().expect("a cost");
    assert!(cost > limit, "{}", res.body);
    let message = res.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("too complex")
            && message.contains(&format!("{cost} objects"))
            && message.contains(&format!(
                "at most {limit} are allowed (graphql.max_complexity)"
            )),
        "the message names the cost, the limit and the setting: {message}"
    );
    cost
}

#[tokio::test]
async fn the_client_dashboard_answers_data_under_the_default_limits() {
    let app = spawn_app().await;
    seed(&app).await;
    let res = app.gql(DASHBOARD, json!({})).await.ok();
    assert_eq!(res.data("/accounts/totalCount"), 2, "{}", res.body);
    let accounts = array(res.data("/accounts/nodes"), "accounts");
    let names: Vec<&str> = accounts.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["Acme Retainer", "Globex Support"]);
    for account in accounts {
        assert_eq!(account["relationshipType"], "CLIENT");
        assert!(account["accountManager"]["name"].is_string(), "{account}");
        let agreements = array(&account["agreements"]["nodes"], "agreements");
        assert_eq!(agreements.len(), 1, "{account}");
        let agreement = &agreements[0];
        assert_eq!(agreement["status"], "ACTIVE");
        assert_eq!(agreement["summary"]["title"], "Managed support");
        assert_eq!(agreement["summary"]["fee"]["amount"], "3000.00");
        assert!(agreement["reviewAndTermination"]["cancelBy"].is_string());
        let credits = array(&agreement["credits"]["nodes"], "credits");
        assert!(!credits.is_empty(), "a breach left a credit: {agreement}");
        assert_eq!(credits[0]["metricKey"], "frt");
        assert_eq!(credits[0]["amount"]["currency"], "EUR");
    }

    // Written the Relay way, with an edge around every node, it answers too.
    let res = app.gql(DASHBOARD_RELAY, json!({})).await.ok();
    let edges = array(res.data("/accounts/edges"), "edges");
    assert_eq!(edges.len(), 2);
    let credit = &edges[0]["node"]["agreements"]["edges"][0]["node"]["credits"]["edges"][0];
    assert_eq!(credit["node"]["metricKey"], "frt", "{}", res.body);
}

/// The README's "needs attention" screen: filters, sorting and nested pages in one request.
#[tokio::test]
async fn the_needs_attention_screen_answers_the_breached_clients_sorted() {
    let app = spawn_app().await;
    seed(&app).await;
    let res = app.gql(NEEDS_ATTENTION, json!({})).await.ok();
    let accounts = array(res.data("/accounts/nodes"), "accounts");
    let names: Vec<&str> = accounts.iter().filter_map(|a| a["name"].as_str()).collect();
    // Both clients breached; equal deadlines, so NAME decides.
    assert_eq!(names, ["Acme Retainer", "Globex Support"], "{}", res.body);
    for account in accounts {
        let agreements = array(&account["agreements"]["nodes"], "agreements");
        assert_eq!(agreements.len(), 1, "{account}");
        let credits = array(&agreements[0]["credits"]["nodes"], "credits");
        assert_eq!(credits[0]["metricKey"], "frt", "{account}");
    }
}

#[tokio::test]
async fn a_hundred_accounts_with_five_agreements_each_answer_data_under_the_default_limits() {
    let app = spawn_app().await;
    seed(&app).await;
    let res = app.gql(ACCOUNTS_AGREEMENTS, json!({})).await.ok();
    let accounts = array(res.data("/accounts/nodes"), "accounts");
    assert_eq!(accounts.len(), 3);
    let acme = &accounts[0];
    assert_eq!(acme["name"], "Acme Retainer");
    assert_eq!(acme["agreements"]["totalCount"], 1);
    assert_eq!(
        acme["agreements"]["nodes"][0]["summary"]["fee"]["currency"],
        "EUR"
    );
    let customer = &accounts[2];
    assert_eq!(customer["name"], "Walk-in Customer");
    assert!(customer["accountManager"].is_null());
    assert_eq!(customer["agreements"]["totalCount"], 0);
}

/// Statements the database ran for one request.
async fn statements(app: &TestApp, token: &str, query: &str, variables: Value) -> (u64, Gql) {
    let start = app.store.statement_count();
    let res = app.gql_as(Some(token), query, variables).await;
    (app.store.statement_count() - start, res)
}

#[tokio::test]
async fn three_nested_pages_of_100_are_refused_before_anything_runs_with_the_cost_and_the_limit() {
    let app = spawn_app().await;
    seed(&app).await;
    let admin = app.admin_token.clone();
    // What authenticating a request costs the database, with nothing to resolve, once the
    // caller is known (the first request after a change reads it).
    statements(&app, &admin, "{ __typename }", json!({})).await;
    let (baseline, _) = statements(&app, &admin, "{ __typename }", json!({})).await;
    let (ran, res) = statements(&app, &admin, HOSTILE, json!({})).await;
    assert_eq!(assert_too_costly(&res, 20_000), 1_020_201);
    assert_eq!(ran, baseline, "no resolver ran for the refused document");

    // The same through a fragment on the connection, with the page sizes in variables.
    let via_fragment = "query($n: Int!, $m: Int) {
          accounts(first: $n) { ...Page }
        }
        fragment Page on AccountConnection {
          nodes { agreements(first: $n) { nodes { credits(first: $m) { nodes { periodStart } } } } }
        }";
    let res = app.gql(via_fragment, json!({"n": 100, "m": 100})).await;
    assert_eq!(assert_too_costly(&res, 20_000), 1_020_201);

    // A partner is refused the same way.
    let (_, partner) = app.partner("Curious Partners").await;
    statements(&app, &partner, "{ __typename }", json!({})).await;
    let (partner_baseline, _) = statements(&app, &partner, "{ __typename }", json!({})).await;
    let (ran, res) = statements(&app, &partner, HOSTILE, json!({})).await;
    assert_too_costly(&res, 20_000);
    assert_eq!(
        ran, partner_baseline,
        "no resolver ran for the partner either"
    );
}

#[tokio::test]
async fn aliases_are_each_paid_for_and_cannot_multiply_past_the_limit() {
    let app = spawn_app().await;
    seed(&app).await;
    let one = "accounts(first: 100) { nodes { name agreements(first: 50) { nodes { id } } } }";
    // One copy: 1 + 100 × (1 + 1 + 50) = 5,201 objects at most.
    let res = app.gql(&format!("{{ a: {one} }}"), json!({})).await.ok();
    assert_eq!(array(res.data("/a/nodes"), "accounts").len(), 3);
    // Three copies (15,603) pass; four (20,804) are refused, though each alone passes.
    let copies = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: {one}")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let res = app.gql(&copies(3), json!({})).await.ok();
    assert_eq!(array(res.data("/a2/nodes"), "accounts").len(), 3);
    let res = app.gql(&copies(4), json!({})).await;
    assert_eq!(assert_too_costly(&res, 20_000), 4 * 5_201);
}

#[tokio::test]
async fn a_lower_limit_is_held_and_named() {
    let app = spawn_app_with(|s| s.graphql.max_complexity = 2_000).await;
    // 2 + 100 × 23 = 2,302: past a limit of 2,000.
    let res = app.gql(ACCOUNTS_AGREEMENTS, json!({})).await;
    assert_eq!(assert_too_costly(&res, 2_000), 2_302);
    // With 80 accounts a page it is 1,842 and answers.
    let smaller = ACCOUNTS_AGREEMENTS.replace("accounts(first: 100)", "accounts(first: 80)");
    let res = app.gql(&smaller, json!({})).await.ok();
    assert!(res.data("/accounts/nodes").is_array(), "{}", res.body);

    // The page of 100 contacts read through fragments costs 602.
    let app = spawn_app_with(|s| s.graphql.max_complexity = 601).await;
    let res = app.gql(CONTACT_PAGE, json!({})).await;
    assert_eq!(assert_too_costly(&res, 601), 602);
}

#[tokio::test]
async fn introspection_is_not_costed() {
    // Even at a limit of one object, tooling's standard introspection query answers.
    let app = spawn_app_with(|s| s.graphql.max_complexity = 1).await;
    let query = include_str!("../../api/src/graphql/guard/introspection_query.graphql");
    let res = app.gql(query, json!({})).await.ok();
    let types = array(res.data("/__schema/types"), "types");
    assert!(types.len() > 50, "{} types", types.len());
    // … while a data query of two objects is refused.
    let res = app
        .gql("{ viewer { teamMember { name } } }", json!({}))
        .await;
    assert_eq!(assert_too_costly(&res, 1), 2);
}
