//! Bounded work before validation: documents built to make the validator walk fragments
//! again and again are refused by the guard, naming the bound passed, before any of that
//! work; the server keeps answering while they arrive; ordinary documents with fragments
//! still run.

use std::time::Duration;

use futures_util::future::join_all;
use rapport_tests::documents::{CONTACT_PAGE, doubling_chain, inline_nests, mix, wide_spreads};
use rapport_tests::{Gql, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// Asserts a refusal by the guard: 400, no `data`, `QUERY_TOO_COMPLEX`, the bound's setting
/// in `extensions.bound`, a counted value past `extensions.limit`, and a message naming the
/// setting and the limit.
fn assert_guard_refused(res: &Gql, setting: &str) {
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.get("data").is_none(), "no data: {}", res.body);
    assert_eq!(res.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", res.body);
    let ext = &res.body["errors"][0]["extensions"];
    assert_eq!(ext["bound"], setting, "{}", res.body);
    let limit = ext["limit"].as_u64().expect("a limit");
    let value = ext["value"].as_u64().expect("a value");
    assert!(value > limit, "{}", res.body);
    let message = res.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(setting) && message.contains(&format!("at most {limit}")),
        "the message names the bound and the limit: {message}"
    );
}

#[tokio::test]
async fn the_doubling_chain_is_refused_at_20_30_and_60_levels_for_its_expanded_size() {
    let app = spawn_app().await;
    for levels in [20, 30, 60] {
        let res = app.gql(&doubling_chain(levels), json!({})).await;
        assert_guard_refused(&res, "graphql.max_selections");
    }
    // A partner is refused the same way.
    let (_, partner) = app.partner("Curious Partners").await;
    let res = app
        .gql_as(Some(&partner), &doubling_chain(30), json!({}))
        .await;
    assert_guard_refused(&res, "graphql.max_selections");
}

#[tokio::test]
async fn the_doubling_chain_at_1000_levels_is_refused_before_parsing_or_expansion() {
    // 40 KB: past the default document size, so that is raised to let the guard see it.
    let app = spawn_app_with(|s| {
        s.http.max_body_bytes = 256 * 1024;
        s.graphql.max_query_bytes = 128 * 1024;
    })
    .await;
    let chain = doubling_chain(1_000);
    let res = app.gql(&chain, json!({})).await;
    assert_guard_refused(&res, "graphql.max_tokens");

    // With room for its tokens, the fragment count refuses it; with room for its
    // fragments, its nesting; with room for that too, its expanded size, saturated.
    let roomy = spawn_app_with(|s| {
        s.http.max_body_bytes = 256 * 1024;
        s.graphql.max_query_bytes = 128 * 1024;
        s.graphql.max_tokens = 100_000;
    })
    .await;
    assert_guard_refused(&roomy.gql(&chain, json!({})).await, "graphql.max_fragments");
    let roomier = spawn_app_with(|s| {
        s.http.max_body_bytes = 256 * 1024;
        s.graphql.max_query_bytes = 128 * 1024;
        s.graphql.max_tokens = 100_000;
        s.graphql.max_fragments = 2_000;
    })
    .await;
    assert_guard_refused(&roomier.gql(&chain, json!({})).await, "graphql.max_nesting");
    let roomiest = spawn_app_with(|s| {
        s.http.max_body_bytes = 256 * 1024;
        s.graphql.max_query_bytes = 128 * 1024;
        s.graphql.max_tokens = 100_000;
        s.graphql.max_fragments = 2_000;
        s.graphql.max_nesting = 2_000;
    })
    .await;
    let res = roomiest.gql(&chain, json!({})).await;
    assert_guard_refused(&res, "graphql.max_selections");
    assert_eq!(
        res.body["errors"][0]["extensions"]["value"],
        json!(u64::MAX),
        "{}",
        res.body
    );
}

#[tokio::test]
async fn one_fragment_spread_thousands_of_times_is_refused_for_its_spreads() {
    let app = spawn_app().await;
    // Two selections a spread: 2,000 spreads expand to 4,000 selections, within the size.
    let res = app.gql(&wide_spreads(2_000), json!({})).await;
    assert_guard_refused(&res, "graphql.max_fragment_spreads");
    // 3,000 spreads expand to 6,000: the size refuses them first.
    let res = app.gql(&wide_spreads(3_000), json!({})).await;
    assert_guard_refused(&res, "graphql.max_selections");
    // The same fragment spread 1,000 times runs.
    let res = app.gql(&wide_spreads(1_000), json!({})).await.ok();
    assert_eq!(res.data("/__typename"), "Query");
}

#[tokio::test]
async fn inline_fragment_nests_are_refused_for_their_nesting_or_their_size() {
    let app = spawn_app().await;
    // Three inline levels per fragment: 25 fragments nest 100 deep.
    let res = app.gql(&inline_nests(25, 3), json!({})).await;
    assert_guard_refused(&res, "graphql.max_nesting");
    // Twelve fragments nest 48 deep, within the nesting bound, but expand past the size.
    let res = app.gql(&inline_nests(12, 3), json!({})).await;
    assert_guard_refused(&res, "graphql.max_selections");
    // A lower nesting bound is held through spreads too.
    let low = spawn_app_with(|s| s.graphql.max_nesting = 10).await;
    let res = low.gql(&inline_nests(3, 3), json!({})).await;
    assert_guard_refused(&res, "graphql.max_nesting");
}

#[tokio::test]
async fn a_mix_of_chains_wide_spreads_nests_and_aliases_is_refused() {
    let app = spawn_app().await;
    let res = app.gql(&mix(20, 50), json!({})).await;
    assert_guard_refused(&res, "graphql.max_selections");
    let res = app.gql(&mix(4, 200), json!({})).await;
    assert_guard_refused(&res, "graphql.max_selections");
}

#[tokio::test]
async fn a_fragment_cycle_is_refused_naming_its_fragments() {
    let app = spawn_app().await;
    let res = app
        .gql(
            "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { viewer { subject } ...A ...A }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(
        res.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        res.body
    );
    assert_eq!(
        res.body["errors"][0]["message"],
        "fragments spread one another in a cycle: A, B"
    );
}

/// Sends `doc` as `token` again and again until `stop` is set.
async fn keep_sending(
    client: reqwest::Client,
    address: String,
    token: String,
    doc: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> usize {
    let mut sent = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let res = client
            .post(format!("{address}/graphql"))
            .bearer_auth(&token)
            .json(&json!({"query": doc}))
            .send()
            .await;
        if let Ok(res) = res {
            let body: Value = res.json().await.unwrap_or(Value::Null);
            assert_eq!(
                body.pointer("/errors/0/extensions/code"),
                Some(&json!("QUERY_TOO_COMPLEX")),
                "{body}"
            );
        }
        sent += 1;
    }
    sent
}

#[tokio::test]
async fn health_and_an_admin_query_answer_while_eight_hostile_documents_are_in_flight() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("Hostile Partners").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Each sender gets its own connection, so the eight are in flight at once.
    let docs = [
        doubling_chain(30),
        doubling_chain(60),
        doubling_chain(40),
        wide_spreads(3_000),
        inline_nests(12, 3),
        inline_nests(25, 3),
        mix(20, 50),
        mix(30, 10),
    ];
    let senders: Vec<_> = docs
        .into_iter()
        .map(|doc| {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client");
            tokio::spawn(keep_sending(
                client,
                app.address.clone(),
                partner.clone(),
                doc,
                stop.clone(),
            ))
        })
        .collect();

    let answers = async {
        for _ in 0..5 {
            let health = app
                .client()
                .get(format!("{}/healthz", app.address))
                .send()
                .await
                .expect("health answers");
            assert_eq!(health.status().as_u16(), 200);
            let res = app.gql("{ viewer { subject } }", json!({})).await.ok();
            assert_eq!(res.data("/viewer/subject"), "bootstrap-admin");
        }
    };
    // Generous: the server answers these in milliseconds on an idle machine, and in a few
    // seconds on a 2-core one busy with builds; without the guard, one 30-level document
    // alone holds the worker for many seconds, and the eight senders send theirs again and
    // again.
    let answered = tokio::time::timeout(Duration::from_secs(30), answers).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(
        answered.is_ok(),
        "health and an admin query answer within 30 s while hostile documents arrive"
    );
    let sent: Vec<usize> = join_all(senders)
        .await
        .into_iter()
        .map(|r| r.expect("sender"))
        .collect();
    assert!(
        sent.iter().all(|n| *n > 0),
        "every sender was refused: {sent:?}"
    );
}

/// A client account (so it has a manager) with `n` contacts.
async fn seed_contacts(app: &TestApp, n: usize) {
    let (account, _) = app.client_account("Page Co").await;
    for i in 0..n {
        app.contact(
            &account,
            &format!("Person {i}"),
            Some(&format!("p{i}@page.example")),
        )
        .await;
    }
}

#[tokio::test]
async fn ordinary_documents_with_fragments_still_run() {
    let app = spawn_app().await;
    seed_contacts(&app, 3).await;
    let res = app.gql(CONTACT_PAGE, json!({})).await.ok();
    assert_eq!(res.data("/contacts/totalCount"), 3);
    let first = res.data("/contacts/nodes/0");
    assert_eq!(first["account"]["name"], "Page Co", "{}", res.body);

    // Fragments spread from several places, nested in inline fragments, with a variable.
    let res = app
        .gql(
            "query($n: Int) { viewer { ...Me } accounts(first: $n) { nodes { ... on Account { ...A } } } me: viewer { ...Me } }
             fragment Me on Viewer { subject role }
             fragment A on Account { id name contacts(first: 5) { nodes { ...C } } }
             fragment C on Contact { id email account { ...Name } }
             fragment Name on Account { name }",
            json!({"n": 5}),
        )
        .await
        .ok();
    assert_eq!(res.data("/me/subject"), "bootstrap-admin");
    assert_eq!(
        res.data("/accounts/nodes/0/contacts/nodes/0/account/name"),
        "Page Co"
    );
}

#[tokio::test]
async fn suggestions_name_no_field_when_introspection_is_off() {
    let closed = spawn_app_with(|s| s.graphql.introspection = false).await;
    let res = closed.gql("{ accountz }", json!({})).await;
    assert_eq!(res.status, 400, "{}", res.body);
    let text = res.body.to_string();
    assert!(
        !text.contains("Did you mean") && !text.contains("\\\"account\\\""),
        "no field is suggested: {text}"
    );
    assert!(
        text.contains("accountz"),
        "the unknown field is named: {text}"
    );

    // With introspection on, the schema is public anyway and suggestions help.
    let open = spawn_app().await;
    let res = open.gql("{ accountz }", json!({})).await;
    assert!(
        res.body.to_string().contains("Did you mean"),
        "{}",
        res.body
    );
}

/// The guard admits graphql-js's standard introspection query (its `TypeRef` fragment nests
/// eight `ofType` levels). Whether the depth limit admits it is the depth limit's concern:
/// this only checks that no guard bound refuses it.
#[tokio::test]
async fn graphql_js_standard_introspection_query_passes_the_guard() {
    let app = spawn_app().await;
    let query = include_str!("../../api/src/graphql/guard/introspection_query.graphql");
    let res = app.gql(query, json!({})).await;
    let bound = res.body.pointer("/errors/0/extensions/bound");
    assert!(bound.is_none(), "refused by the guard: {}", res.body);
}
