//! The GraphQL API surface: connections, filters, optimistic concurrency, error hygiene, the
//! SDL and GraphQL over HTTP.

use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const ACCOUNTS_PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
  accounts(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

fn names(page: &Value) -> Vec<String> {
    page.pointer("/edges")
        .and_then(Value::as_array)
        .expect("edges")
        .iter()
        .map(|e| {
            e.pointer("/node/name")
                .and_then(Value::as_str)
                .expect("name")
                .to_owned()
        })
        .collect()
}

fn flag(page: &Value, name: &str) -> bool {
    page.pointer(&format!("/pageInfo/{name}"))
        .and_then(Value::as_bool)
        .expect("page info flag")
}

fn cursor(page: &Value, name: &str) -> String {
    page.pointer(&format!("/pageInfo/{name}"))
        .and_then(Value::as_str)
        .expect("cursor")
        .to_owned()
}

/// Ids at `pointer` (an array of objects with `id`).
fn ids_at(res: &rapport_tests::Gql, pointer: &str) -> Vec<String> {
    res.data(pointer)
        .as_array()
        .unwrap_or_else(|| panic!("no list at {pointer}: {}", res.body))
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn accounts_named(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let admin = app.admin_token.clone();
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("{prefix} {i:02}");
        app.account_as(&admin, &name, json!({})).await;
        names.push(name);
    }
    names
}

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

#[tokio::test]
async fn accounts_filter_by_relationship_manager_partner_status_kind_and_search() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let (partner, _) = app.partner("Referrer").await;

    let client = app.account_as(&admin, "Client Corp", json!({})).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": client, "accountManagerId": manager, "reason": "retainer", "expectedVersion": 1}}),
    )
    .await
    .ok();
    let referred = app
        .account_as(
            &admin,
            "Referred Ltd",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let churned = app.account_as(&admin, "Gone Inc", json!({})).await;
    app.gql(
        "mutation($id: ID!) { churnAccount(input: {accountId: $id, expectedVersion: 1}) { account { id } } }",
        json!({"id": churned}),
    )
    .await
    .ok();
    let person = app
        .account_as(&admin, "Jane Doe", json!({"kind": "INDIVIDUAL"}))
        .await;
    let percent = app.account_as(&admin, "Deal 50% off", json!({})).await;
    let five_hundred = app.account_as(&admin, "Shop 500", json!({})).await;
    let underscore = app.account_as(&admin, "a_b Holdings", json!({})).await;
    let axb = app.account_as(&admin, "AXB Holdings", json!({})).await;

    let query =
        "query($filter: AccountFilter) { accounts(first: 100, filter: $filter) { nodes { id } } }";
    let filtered = async |filter: Value| {
        let res = app.gql(query, json!({"filter": filter})).await.ok();
        ids_at(&res, "/accounts/nodes")
    };

    assert_eq!(
        filtered(json!({"relationshipType": "CLIENT"})).await,
        vec![client.clone()]
    );
    let customers = filtered(json!({"relationshipType": "CUSTOMER"})).await;
    assert_eq!(customers.len(), 7);
    assert!(!customers.contains(&client));
    assert_eq!(
        filtered(json!({"accountManagerId": manager})).await,
        vec![client.clone()]
    );
    assert_eq!(
        filtered(json!({"partnerId": partner})).await,
        vec![referred.clone()]
    );
    assert_eq!(
        filtered(json!({"status": "CHURNED"})).await,
        vec![churned.clone()]
    );
    assert_eq!(filtered(json!({"status": "ACTIVE"})).await.len(), 7);
    assert_eq!(
        filtered(json!({"kind": "INDIVIDUAL"})).await,
        vec![person.clone()]
    );
    // Case-insensitive.
    assert_eq!(
        filtered(json!({"search": "cLIENT c"})).await,
        vec![client.clone()]
    );
    // LIKE wildcards in the text are literal.
    assert_eq!(
        filtered(json!({"search": "50%"})).await,
        vec![percent.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "500"})).await,
        vec![five_hundred.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "a_b"})).await,
        vec![underscore.clone()]
    );
    assert_eq!(filtered(json!({"search": "x"})).await, vec![axb.clone()]);
    // Filters combine.
    assert_eq!(
        filtered(json!({"relationshipType": "CLIENT", "status": "CHURNED"})).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn contacts_filter_by_their_account_tag_consent_and_text_over_name_email_and_phone() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let (partner, _) = app.partner("Referrer").await;
    let client = app.account_as(&admin, "Client Corp", json!({})).await;
    app.gql(
        "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
        json!({"input": {"accountId": client, "accountManagerId": manager, "reason": "retainer", "expectedVersion": 1}}),
    )
    .await
    .ok();
    let referred = app
        .account_as(
            &admin,
            "Referred Ltd",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let plain = app.account_as(&admin, "Plain Shop", json!({})).await;

    let create = async |input: Value| {
        app.gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": input}),
        )
        .await
        .ok()
        .data("/createContact/contact/id")
        .as_str()
        .expect("contact id")
        .to_owned()
    };
    let alice = create(json!({
        "accountId": client, "firstName": "Alice", "lastName": "Martin",
        "email": "alice@client.example", "emailConsent": "SUBSCRIBED", "tags": ["VIP", "renewal"],
    }))
    .await;
    let bruno = create(json!({
        "accountId": referred, "firstName": "Bruno", "lastName": "Durand",
        "email": "b.durand@referred.example",
        "phones": [{"number": "+33612345678", "type": "MOBILE"}],
    }))
    .await;
    let chloe = create(json!({
        "accountId": plain, "firstName": "Chloé", "lastName": "Zed",
        "email": "chloe@plain.example", "emailConsent": "UNSUBSCRIBED", "tags": ["vip"],
        "phones": [{"number": "+14155550100", "type": "WORK"}],
    }))
    .await;

    let query =
        "query($filter: ContactFilter) { contacts(first: 100, filter: $filter) { nodes { id } } }";
    let filtered = async |filter: Value| {
        let res = app.gql(query, json!({"filter": filter})).await.ok();
        ids_at(&res, "/contacts/nodes")
    };

    assert_eq!(
        filtered(json!({"account": {"relationshipType": "CLIENT"}})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"account": {"relationshipType": "CUSTOMER"}})).await,
        vec![bruno.clone(), chloe.clone()]
    );
    assert_eq!(
        filtered(json!({"account": {"accountManagerId": manager}})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"account": {"partnerId": partner}})).await,
        vec![bruno.clone()]
    );
    // Tags match case-insensitively.
    assert_eq!(
        filtered(json!({"tag": "vip"})).await,
        vec![alice.clone(), chloe.clone()]
    );
    assert_eq!(
        filtered(json!({"tag": "Renewal"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"tag": "nothing"})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        filtered(json!({"emailConsent": "SUBSCRIBED"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"emailConsent": "NONE"})).await,
        vec![bruno.clone()]
    );
    // Text search: first name, last name, email, phone (formatted as people type it).
    assert_eq!(
        filtered(json!({"search": "ALICE"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "durand"})).await,
        vec![bruno.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "client.example"})).await,
        vec![alice.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "+33 6 12"})).await,
        vec![bruno.clone()]
    );
    assert_eq!(
        filtered(json!({"search": "(415) 555"})).await,
        vec![chloe.clone()]
    );
    // Combined with the account filter.
    assert_eq!(
        filtered(json!({"tag": "vip", "account": {"relationshipType": "CUSTOMER"}})).await,
        vec![chloe.clone()]
    );
}

const UPDATE_ACCOUNT: &str = "mutation($input: UpdateAccountInput!) {
  updateAccount(input: $input) { account { name version } }
}";

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Versioned", json!({}))
        .await;
    app.gql(
        UPDATE_ACCOUNT,
        json!({"input": {"accountId": account, "expectedVersion": 1, "name": "Versioned 2"}}),
    )
    .await
    .ok();

    let before = app.table_counts().await;
    let stale = app
        .gql(
            UPDATE_ACCOUNT,
            json!({"input": {"accountId": account, "expectedVersion": 1, "name": "Lost update"}}),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    assert_eq!(
        app.table_counts().await,
        before,
        "a conflict writes nothing"
    );

    let now = app
        .gql(
            "query($id: ID!) { account(id: $id) { name version } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(now.data("/account/name"), "Versioned 2");
    assert_eq!(now.data("/account/version"), 2);
}

#[tokio::test]
async fn of_two_concurrent_updates_with_the_same_version_exactly_one_wins() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Contended", json!({}))
        .await;
    let update = |name: &'static str| {
        app.gql(
            UPDATE_ACCOUNT,
            json!({"input": {"accountId": account, "expectedVersion": 1, "name": name}}),
        )
    };
    let (a, b) = tokio::join!(update("Writer A"), update("Writer B"));
    let codes = [a.error_code(), b.error_code()];
    let winners: Vec<&rapport_tests::Gql> = [&a, &b]
        .into_iter()
        .filter(|r| r.error_code().is_none())
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one wins: {} / {}",
        a.body,
        b.body
    );
    assert!(
        codes.contains(&Some("CONFLICT")),
        "the loser gets CONFLICT: {} / {}",
        a.body,
        b.body
    );
    let winner_name = winners[0]
        .data("/updateAccount/account/name")
        .as_str()
        .expect("name")
        .to_owned();

    let now = app
        .gql(
            "query($id: ID!) { account(id: $id) { name version } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(now.data("/account/name"), winner_name.as_str());
    assert_eq!(now.data("/account/version"), 2);
}

const LEAKY_WORDS: [&str; 8] = [
    "sqlite",
    "SQL",
    "no such table",
    "contact_tags",
    "DbErr",
    "sqlx",
    "postgres",
    "relation",
];

fn assert_internal_without_leaks(res: &rapport_tests::Gql) {
    assert_eq!(res.error_code(), Some("INTERNAL"), "{}", res.body);
    let rid = res
        .body
        .pointer("/errors/0/extensions/requestId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        !rid.is_empty(),
        "an internal error carries a request id: {}",
        res.body
    );
    let text = res.body.to_string();
    for word in LEAKY_WORDS {
        assert!(!text.contains(word), "the response leaks {word:?}: {text}");
    }
}

#[tokio::test]
async fn a_database_failure_answers_internal_with_a_request_id_and_leaks_nothing() {
    let app = spawn_app().await;
    let account = app
        .account_as(&app.admin_token.clone(), "Sabotaged", json!({}))
        .await;
    app.contact(&account, "Before", Some("before@sabotaged.example"))
        .await;
    let drop = if app.backend == "postgres" {
        "DROP TABLE contact_tags CASCADE"
    } else {
        "DROP TABLE contact_tags"
    };
    app.store.execute_raw(drop).await.expect("table dropped");

    let listed = app
        .gql(
            "{ contacts(filter: {tag: \"vip\"}) { nodes { id } totalCount } }",
            json!({}),
        )
        .await;
    assert_internal_without_leaks(&listed);

    let created = app
        .gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": {"accountId": account, "firstName": "After", "tags": ["vip"]}}),
        )
        .await;
    assert_internal_without_leaks(&created);
    assert!(
        created.body.get("data").is_some(),
        "a resolver error still answers data: {}",
        created.body
    );
}

#[tokio::test]
async fn the_served_sdl_is_the_schema_and_has_the_node_interface() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(format!("{}/graphql/schema.graphql", app.address))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 200);
    let served = res.text().await.expect("body");
    assert_eq!(served, rapport_api::graphql::sdl());
    assert!(served.contains("interface Node"));
}

#[tokio::test]
async fn a_mutation_sent_with_get_is_refused_with_405_and_allow_post() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(format!("{}/graphql", app.address))
        .query(&[(
            "query",
            "mutation { createPartner(input: {name: \"Via GET\"}) { partner { id } } }",
        )])
        .header("accept", "application/graphql-response+json")
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(
        res.headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .expect("an Allow header"),
        "POST"
    );
    let counts = app.table_counts().await;
    let partners = counts
        .iter()
        .find(|(t, _)| *t == "partners")
        .expect("partners")
        .1;
    assert_eq!(partners, 0, "the mutation did not run");

    // A query over GET works.
    let ok = app
        .client()
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ viewer { subject } }")])
        .header("accept", "application/json")
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(ok.status().as_u16(), 200);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(
        body.pointer("/data/viewer/subject"),
        Some(&json!("bootstrap-admin"))
    );
}

#[tokio::test]
async fn a_json_array_body_is_refused_because_batching_is_not_supported() {
    let app = spawn_app().await;
    let res = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .bearer_auth(&app.admin_token)
        .json(&json!([{"query": "{ viewer { subject } }"}, {"query": "{ viewer { role } }"}]))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.expect("json");
    assert!(body.get("data").is_none(), "{body}");
    let message = body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .expect("message");
    assert!(message.contains("batch"), "{message}");
}

#[tokio::test]
async fn the_response_media_type_follows_the_accept_header() {
    let app = spawn_app().await;
    let send = async |accept: &str, query: &str| {
        app.client()
            .post(format!("{}/graphql", app.address))
            .header("accept", accept)
            .bearer_auth(&app.admin_token)
            .json(&json!({"query": query}))
            .send()
            .await
            .expect("request sent")
    };
    let content_type = |res: &reqwest::Response| {
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    let json_res = send("application/json", "{ viewer { subject } }").await;
    assert_eq!(json_res.status().as_u16(), 200);
    assert!(
        content_type(&json_res).starts_with("application/json"),
        "{}",
        content_type(&json_res)
    );

    let gql_res = send(
        "application/graphql-response+json",
        "{ viewer { subject } }",
    )
    .await;
    assert!(content_type(&gql_res).starts_with("application/graphql-response+json"));

    let parse_error = send("application/graphql-response+json", "{ viewer { subject ").await;
    assert_eq!(parse_error.status().as_u16(), 400);
    assert!(content_type(&parse_error).starts_with("application/graphql-response+json"));
    let body: Value = parse_error.json().await.expect("json");
    assert!(body.get("data").is_none(), "no data key: {body}");
    assert!(body.pointer("/errors/0/message").is_some(), "{body}");

    // Legacy clients get 200 for the same request error.
    let legacy = send("application/json", "{ viewer { subject ").await;
    assert_eq!(legacy.status().as_u16(), 200);
}
