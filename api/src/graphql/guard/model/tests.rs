//! The cost model on the real schema: each rule, the screens it must let through, the
//! documents it must refuse, and a walk over the schema that holds every connection and
//! every list to the model.

use async_graphql::Variables;
use async_graphql::parser::parse_query;
use serde_json::json;

use super::{Pricer, SIZED_LISTS, SetCost, Shapes, Sizing, object_cost};
use crate::config::GraphqlSettings;

const DASHBOARD: &str = include_str!("screens/dashboard.graphql");
const DASHBOARD_RELAY: &str = include_str!("screens/dashboard_relay.graphql");
const ACCOUNTS_AGREEMENTS: &str = include_str!("screens/accounts_agreements.graphql");
const HOSTILE: &str = include_str!("screens/hostile.graphql");
const NEEDS_ATTENTION: &str = include_str!("screens/needs_attention.graphql");

fn shapes() -> Shapes {
    crate::graphql::shapes()
}

fn cost_with(src: &str, vars: serde_json::Value, operation: Option<&str>) -> u64 {
    let doc = parse_query(src).expect("parses");
    object_cost(&shapes(), &doc, &Variables::from_json(vars), operation)
}

fn cost(src: &str) -> u64 {
    cost_with(src, json!({}), None)
}

fn default_limit() -> u64 {
    GraphqlSettings::default().max_complexity as u64
}

#[test]
fn scalars_cost_nothing_and_every_object_costs_one() {
    assert_eq!(cost("{ __typename }"), 0);
    assert_eq!(cost("{ viewer { subject role } }"), 1);
    assert_eq!(cost("{ viewer { subject teamMember { name email } } }"), 2);
}

#[test]
fn a_connection_counts_its_page_by_first_last_or_the_default_of_20() {
    // The connection itself, then one object per item.
    assert_eq!(cost("{ accounts(first: 7) { nodes { name } } }"), 8);
    assert_eq!(cost("{ accounts(last: 3) { nodes { name } } }"), 4);
    assert_eq!(cost("{ accounts { nodes { name } } }"), 21);
    // An edge is an object and so is its node; pageInfo is one object; totalCount a scalar.
    assert_eq!(
        cost(
            "{ accounts(first: 5) { totalCount pageInfo { hasNextPage } edges { cursor node { name } } } }"
        ),
        1 + 1 + 5 * 2
    );
    // Past the largest page, the page a resolver would answer is counted (it refuses more).
    assert_eq!(cost("{ accounts(first: 1000) { nodes { name } } }"), 101);
    assert_eq!(cost("{ accounts(first: 0) { nodes { name } } }"), 1);
}

#[test]
fn a_page_size_in_a_variable_counts_as_sent_or_by_its_default() {
    let q = "query($n: Int = 4) { accounts(first: $n) { nodes { name } } }";
    assert_eq!(cost_with(q, json!({}), None), 5);
    assert_eq!(cost_with(q, json!({"n": 9}), None), 10);
    assert_eq!(cost_with(q, json!({"n": null}), None), 21);
    let q = "query($n: Int) { accounts(first: $n) { nodes { name } } }";
    assert_eq!(cost_with(q, json!({}), None), 21);
}

#[test]
fn nested_pages_multiply_down_the_path() {
    // 10 accounts × (account + agreements connection + 3 agreements × (agreement + summary)).
    assert_eq!(
        cost(
            "{ accounts(first: 10) { nodes { agreements(first: 3) { nodes { summary { title } } } } } }"
        ),
        1 + 10 * (1 + 1 + 3 * 2)
    );
}

#[test]
fn the_dashboard_costs_as_the_readme_computes_it_and_passes_the_default_limit() {
    // credits(last: 12): 1 + 12 × (credit + amount) = 25
    let credits = 1 + 12 * 2;
    // agreement, summary, fee, reviewAndTermination, credits
    let agreement = 4 + credits;
    // agreements with no `first`: the default page of 20
    let agreements = 1 + 20 * agreement;
    // account, accountManager, agreements
    let account = 2 + agreements;
    // accounts, pageInfo, 20 accounts
    let dashboard = 2 + 20 * account;
    assert_eq!(dashboard, 11_662);
    assert_eq!(cost(DASHBOARD), dashboard);
    assert!(cost(DASHBOARD) <= default_limit());

    // With an edge around every node it is 16,882, still under the limit.
    let credits = 1 + 12 * 3;
    let agreement = 4 + 1 + credits;
    let account = 1 + 1 + 1 + (1 + 20 * agreement);
    assert_eq!(cost(DASHBOARD_RELAY), 2 + 20 * account);
    assert_eq!(cost(DASHBOARD_RELAY), 16_882);
    assert!(cost(DASHBOARD_RELAY) <= default_limit());
}

#[test]
fn the_needs_attention_screen_costs_as_the_readme_computes_it() {
    // credits(last: 3): 1 + 3 × (credit + amount)
    let credits = 1 + 3 * 2;
    // agreement, reviewAndTermination, credits
    let agreement = 2 + credits;
    // agreements(first: 5)
    let agreements = 1 + 5 * agreement;
    // account, accountManager, agreements
    let account = 2 + agreements;
    // accounts, pageInfo, 20 accounts
    assert_eq!(2 + 20 * account, 962);
    assert_eq!(cost(NEEDS_ATTENTION), 962);
}

#[test]
fn a_hundred_accounts_with_five_agreements_each_pass_the_default_limit() {
    // 100 × (account + manager + agreements + 5 × (agreement, summary, fee, review)).
    assert_eq!(cost(ACCOUNTS_AGREEMENTS), 2 + 100 * (2 + 1 + 5 * 4));
    assert!(cost(ACCOUNTS_AGREEMENTS) <= default_limit());
}

#[test]
fn three_nested_pages_of_100_are_far_past_the_default_limit() {
    assert_eq!(cost(HOSTILE), 1 + 100 * (2 + 100 * (2 + 100)));
    assert!(cost(HOSTILE) > 50 * default_limit());
}

#[test]
fn every_alias_is_paid_for() {
    let one = "a: accounts(first: 100) { nodes { agreements(first: 50) { nodes { id } } } }";
    assert_eq!(cost(&format!("{{ {one} }}")), 5_201);
    let four: String = ["a", "b", "c", "d"]
        .iter()
        .map(|alias| one.replacen("a:", &format!("{alias}:"), 1))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(cost(&format!("{{ {four} }}")), 4 * 5_201);
    assert!(cost(&format!("{{ {four} }}")) > default_limit());
}

#[test]
fn fragments_count_where_they_are_spread_with_the_page_of_their_connection() {
    // A fragment on the connection type takes the page of each connection it is spread in.
    let q = "{ a: accounts(first: 10) { ...Page } b: accounts(first: 2) { ...Page } }
             fragment Page on AccountConnection { pageInfo { endCursor } nodes { ...Acc } }
             fragment Acc on Account { accountManager { name } }";
    assert_eq!(cost(q), (1 + 1 + 10 * 2) + (1 + 1 + 2 * 2));
    // Inline fragments count too (every type condition: an upper bound).
    let q = "{ node(id: \"x\") { ... on Account { accountManager { name } } ... on Contact { account { name } } } }";
    assert_eq!(cost(q), 1 + 1 + 1);
}

#[test]
fn sized_lists_count_their_argument_and_parts_of_a_record_count_once() {
    assert_eq!(cost("{ nodes(ids: [\"a\", \"b\", \"c\"]) { id } }"), 3);
    assert_eq!(
        cost_with(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": ["a", "b"]}),
            None
        ),
        2
    );
    assert_eq!(cost("{ resyncs { provider } }"), 20);
    assert_eq!(cost("{ resyncs(first: 5) { provider } }"), 5);
    // A contact's phones are one list of parts: counted as one item.
    assert_eq!(
        cost("{ contacts(first: 2) { nodes { phones { number } } } }"),
        1 + 2 * 2
    );
}

#[test]
fn introspection_costs_nothing() {
    let q = include_str!("../introspection_query.graphql");
    assert_eq!(cost(q), 0);
}

#[test]
fn the_named_operation_is_the_one_costed() {
    let q = "query Small { viewer { subject } } query Big { accounts { nodes { name } } }";
    assert_eq!(cost_with(q, json!({}), Some("Small")), 1);
    assert_eq!(cost_with(q, json!({}), Some("Big")), 21);
    // Without a name (which async-graphql then refuses), the costliest.
    assert_eq!(cost_with(q, json!({}), None), 21);
}

/// Costs `fragment F on <ty> { <body> }` through the model.
fn fragment_cost(shapes: &Shapes, ty: &str, body: &str) -> SetCost {
    let src = format!("{{ __typename }} fragment F on {ty} {{ {body} }}");
    let doc = parse_query(&src).expect("parses");
    let pricer = Pricer::new(shapes, &doc, Default::default()).expect("no cycle");
    pricer.fragments["F"]
}

#[test]
fn every_connection_in_the_schema_is_costed_by_its_page() {
    let shapes = shapes();
    let mut connections = 0;
    for (ty, name, field) in shapes.fields() {
        if !field.is_connection() {
            continue;
        }
        connections += 1;
        // Every connection type has the Relay shape the model counts.
        for part in ["edges", "nodes"] {
            let f = shapes.field(&field.named, part);
            assert!(
                f.is_some_and(|f| f.list),
                "{}.{part} is a list",
                field.named
            );
        }
        assert!(
            shapes.field(&field.named, "pageInfo").is_some(),
            "{}",
            field.named
        );
        // … takes a page size …
        assert_eq!(
            field.args.get("first").map(|a| a.ty.as_str()),
            Some("Int"),
            "{ty}.{name} takes `first: Int`"
        );
        // … and is costed by it, or by the default page.
        let paged = fragment_cost(
            &shapes,
            ty,
            &format!("{name}(first: 7) {{ nodes {{ __typename }} }}"),
        );
        assert_eq!(
            paged,
            SetCost {
                fixed: 8,
                per_item: 0
            },
            "{ty}.{name}"
        );
        let default = fragment_cost(&shapes, ty, &format!("{name} {{ nodes {{ __typename }} }}"));
        assert_eq!(
            default,
            SetCost {
                fixed: 21,
                per_item: 0
            },
            "{ty}.{name}"
        );
    }
    // Query: accounts, agreements, contacts, teamMembers, partners, auditLog, syncFailures;
    // nested: Account.children/contacts/agreements, Agreement.credits, Contact.interactions,
    // Partner.accounts, TeamMember.managedAccounts.
    assert!(connections >= 14, "{connections} connections found");
}

/// Lists of objects that are not connections and that the model counts as one item: parts
/// of one record, whose length the record has, not the client. A new list of objects must
/// be a connection, a sized list (`SIZED_LISTS`), or added here after asking whether its
/// length is really bounded by one record.
const PARTS_OF_A_RECORD: &[(&str, &str)] = &[
    ("Account", "domainClaims"),
    ("Account", "relationshipHistory"),
    ("Agreement", "consequences"),
    ("Agreement", "reviews"),
    ("Agreement", "revisions"),
    ("ComplianceReport", "metrics"),
    ("ConsequenceRule", "tiers"),
    ("EventType", "fields"),
    ("Contact", "customFields"),
    ("Contact", "phones"),
    ("Contact", "syncStatus"),
    ("MeasurementResult", "errors"),
    ("PerformanceMeasurement", "metrics"),
    ("Query", "eventTypes"),
    // At most 200 keys (`store::KEY_LIST_LIMIT`), few per partner; to become a connection
    // if admins come to hold many.
    ("Query", "apiKeys"),
    // At most 200 keys and 200 partner tokens (`store::KEY_LIST_LIMIT`,
    // `store::TOKEN_LIST_LIMIT`), like `apiKeys`.
    ("Query", "credentials"),
    // One import's report: a row per record of the uploaded file, which is already bounded by
    // `http.max_upload_bytes` and `service::import::MAX_ROWS`; the rows are plain values
    // computed by the mutation, no resolver reads anything per row.
    ("ImportRecordsPayload", "rows"),
    // A job's first refused rows: at most `store::FIRST_ERRORS` (20), plain values.
    ("ImportJob", "firstErrors"),
    ("Query", "syncProviders"),
    ("RecordMeasurementsPayload", "results"),
    ("TermsOfService", "clauses"),
    // One delivery's attempts: bounded by the retry schedule (plus manual redeliveries).
    ("WebhookDelivery", "attemptLog"),
];

#[test]
fn every_list_of_objects_is_a_connection_a_sized_list_or_a_reviewed_part_of_a_record() {
    let shapes = shapes();
    let objects: Vec<&str> = shapes.type_names().collect();
    for (ty, name, field) in shapes.fields() {
        if !field.list || !objects.contains(&field.named.as_str()) || super::is_connection_type(ty)
        {
            continue;
        }
        let sized = SIZED_LISTS.iter().any(|(t, n, _)| *t == ty && *n == name);
        let part = PARTS_OF_A_RECORD.contains(&(ty, name));
        assert!(
            sized || part,
            "{ty}.{name} returns a list of {}: make it a connection, size it in SIZED_LISTS, \
             or add it to PARTS_OF_A_RECORD",
            field.named
        );
    }
    for (ty, name, sizing) in SIZED_LISTS {
        let field = shapes
            .field(ty, name)
            .unwrap_or_else(|| panic!("{ty}.{name} exists"));
        let (Sizing::LengthOf(arg) | Sizing::Count(arg)) = sizing;
        assert!(field.args.contains_key(*arg), "{ty}.{name} takes `{arg}`");
    }
    for (ty, name) in PARTS_OF_A_RECORD {
        assert!(
            shapes.field(ty, name).is_some_and(|f| f.list),
            "{ty}.{name} is still a list"
        );
    }
}
