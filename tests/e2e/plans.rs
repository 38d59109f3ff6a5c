//! Every filter and sort of the contact and account lists is served by an index on PostgreSQL.
//!
//! With 100,000 contacts on 20,000 accounts (made with `generate_series`, not through the API),
//! the check reads the `contacts` and `accounts` lists' filters and sorts from the schema itself
//! (introspection), so a filter added later is checked without anyone listing it here. It
//! runs one request per filter field (nested filters too) and one per sort field (first page
//! and the page after it), records the SQL statements Rapport ran for it, and asks PostgreSQL
//! for each statement's plan with sequential scans turned off: a sequential scan of `contacts`
//! or `accounts` that remains has no index to serve it, and fails the check, as does a scan of
//! either table that filters rows without any index condition (a whole index walked in place of
//! the table). Every plan's scans are printed.
//!
//! Run by `.ci/run` (step "query plans"); by hand:
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p rapport-tests
//! --test e2e plans:: -- --ignored --nocapture`.

use rapport_tests::{TestApp, spawn_app};
use serde_json::{Map, Value, json};

/// The lists checked: their rows are the large tables.
const LISTS: [&str; 2] = ["contacts", "accounts"];
/// Tables that must never be read by a sequential scan.
const LARGE_TABLES: [&str; 2] = ["contacts", "accounts"];

const CONTACTS: i64 = 100_000;
const ACCOUNTS: i64 = 20_000;

const INTROSPECT: &str = r#"{
  __schema {
    queryType { fields { name args { name type { ...Ref } } type { ...Ref } } }
    types { name kind enumValues { name } inputFields { name type { ...Ref } } }
  }
}
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// Fills the database with generated rows, in a few statements. The values the check filters on
/// (the first value of each enum, CLIENT for the relationship type, the sample manager,
/// partner and texts) are the rare ones here (about one row in ten or fewer): an index on a
/// selective condition is what the planner picks when there is one.
async fn fill(app: &TestApp) {
    app.member("ACCOUNT_MANAGER").await;
    app.partner("North").await;
    for sql in [
        format!(
            "INSERT INTO accounts (name, name_key, kind, relationship, account_manager_id, \
               acquisition_channel, partner_id, status, churned_at, version, created_at, updated_at) \
             SELECT 'Account ' || md5(g::text), 'account ' || md5(g::text), \
               CASE WHEN g % 10 = 0 THEN 'INDIVIDUAL' ELSE 'ORGANIZATION' END, \
               CASE WHEN g % 10 = 0 THEN 'CLIENT' ELSE 'CUSTOMER' END, \
               CASE WHEN g % 10 = 0 THEN m.id END, \
               CASE WHEN g % 10 = 0 THEN 'PARTNER' ELSE 'DIRECT' END, \
               CASE WHEN g % 10 = 0 THEN p.id END, \
               CASE WHEN g % 10 = 0 THEN 'ACTIVE' ELSE 'CHURNED' END, \
               CASE WHEN g % 10 = 0 THEN NULL ELSE now() END, \
               1, now() - g * interval '1 minute', now() - g * interval '1 minute' \
             FROM generate_series(1, {ACCOUNTS}) g, \
               (SELECT min(id) AS id FROM team_members WHERE role = 'ACCOUNT_MANAGER') m, \
               (SELECT min(id) AS id FROM partners) p"
        ),
        format!(
            "INSERT INTO contacts (account_id, first_name, last_name, email, email_key, phones, \
               email_consent, tags, custom_fields, search_text, version, created_at, updated_at, \
               first_name_key, last_name_key) \
             SELECT a.id, 'First' || g, 'Last' || g, 'p' || g || '@example.com', \
               'p' || g || '@example.com', '[]', \
               CASE WHEN g % 10 = 0 THEN 'SUBSCRIBED' ELSE 'NONE' END, \
               '[\"tag' || (g % 50) || '\"]', '[]', \
               'first' || g || ' last' || g || ' p' || g || '@example.com', \
               1, now() - g * interval '1 second', now() - g * interval '1 second', \
               'first' || g, 'last' || g \
             FROM generate_series(1, {CONTACTS}) g \
             JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM accounts) a \
               ON a.k = g % (SELECT count(*) FROM accounts)"
        ),
        "INSERT INTO contact_tags (contact_id, tag_key) \
         SELECT id, 'tag' || (id % 50) FROM contacts"
            .to_owned(),
        "ANALYZE".to_owned(),
    ] {
        app.store.execute_raw(&sql).await.expect("generate rows");
    }
}

/// A type reference as GraphQL writes it (`[ContactOrder!]`).
fn render(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", render(&ty["ofType"])),
        Some("LIST") => format!("[{}]", render(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or_default().to_owned(),
    }
}

/// The named type under any list and non-null wrappers, and whether a list wraps it.
fn named(ty: &Value) -> (String, bool) {
    match ty["kind"].as_str() {
        Some("NON_NULL") => named(&ty["ofType"]),
        Some("LIST") => (named(&ty["ofType"]).0, true),
        _ => (ty["name"].as_str().unwrap_or_default().to_owned(), false),
    }
}

/// Sample values, by what they name.
struct Samples {
    /// Whether the list is of accounts (texts then search account names).
    accounts: bool,
    account: String,
    member: String,
    partner: String,
}

impl Samples {
    /// A value for input field `field` of type `ty`; panics naming the field when the check
    /// has no sample for it, so a new kind of filter is added here rather than skipped.
    fn leaf(&self, types: &[Value], field: &str, ty: &Value) -> Value {
        let (name, list) = named(ty);
        let def = types.iter().find(|t| t["name"] == name.as_str());
        let one = match (name.as_str(), def.and_then(|d| d["kind"].as_str())) {
            (_, Some("ENUM")) if field.ends_with("relationshipType") => json!("CLIENT"),
            (_, Some("ENUM")) => {
                let values = def.map(|d| &d["enumValues"]).and_then(Value::as_array);
                // The first value a filter accepts (`complianceIn` refuses NOT_MEASURED).
                let first = values
                    .and_then(|v| v.iter().find(|e| e["name"] != "NOT_MEASURED"))
                    .unwrap_or_else(|| panic!("{field}: enum {name} without values"));
                first["name"].clone()
            }
            ("String", _) if field == "tag" => json!("tag7"),
            ("String", _) if field.starts_with("account.") || self.accounts => {
                // Part of the name of account 12 (`md5('12')`): distinctive trigrams.
                json!("c20ad4d7")
            }
            ("String", _) => json!("first12"),
            ("Boolean", _) => json!(true),
            ("Int", _) => json!(1),
            ("Date", _) => json!("2026-01-01"),
            ("DateTime", _) => json!("2026-01-01T00:00:00Z"),
            ("ID", _) if field.ends_with("accountManagerId") => json!(self.member),
            ("ID", _) if field.ends_with("partnerId") => json!(self.partner),
            ("ID", _) if field.ends_with("accountId") || field.ends_with("parentId") => {
                json!(self.account)
            }
            _ => panic!(
                "the index check has no sample value for filter field `{field}` of type \
                 {name}: add one in tests/e2e/plans.rs"
            ),
        };
        if list { json!([one]) } else { one }
    }

    /// One filter per leaf field of the input type `input`, nested inputs included:
    /// `(path, filter)`.
    fn filters(&self, types: &[Value], input: &str, prefix: &str) -> Vec<(String, Value)> {
        let def = types
            .iter()
            .find(|t| t["name"] == input)
            .unwrap_or_else(|| panic!("no input type {input}"));
        let mut out = Vec::new();
        for field in def["inputFields"].as_array().into_iter().flatten() {
            let name = field["name"].as_str().unwrap_or_default();
            let path = format!("{prefix}{name}");
            let (ty, _) = named(&field["type"]);
            let nested = types
                .iter()
                .find(|t| t["name"] == ty.as_str())
                .is_some_and(|t| t["kind"] == "INPUT_OBJECT");
            if nested {
                for (inner, value) in self.filters(types, &ty, &format!("{path}.")) {
                    out.push((inner, json!({ name: value })));
                }
            } else {
                out.push((
                    path.clone(),
                    json!({ name: self.leaf(types, &path, &field["type"]) }),
                ));
            }
        }
        out
    }
}

/// One scan of a plan tree.
struct Scan {
    node: String,
    relation: String,
    index: String,
    /// Whether an index condition (or a bitmap's recheck) bounds the rows read.
    bounded: bool,
    /// Whether rows read are then filtered.
    filtered: bool,
}

impl Scan {
    /// Reads a large table without an index narrowing it: a sequential scan, or a whole
    /// index walked only to throw rows away by a filter.
    fn unindexed(&self) -> bool {
        self.sequential()
            || (LARGE_TABLES.contains(&self.relation.as_str()) && self.filtered && !self.bounded)
    }

    /// A sequential scan of a large table.
    fn sequential(&self) -> bool {
        LARGE_TABLES.contains(&self.relation.as_str()) && self.node == "Seq Scan"
    }
}

/// The scans of a plan tree.
fn scans(plan: &Value, out: &mut Vec<Scan>) {
    let relation = plan["Relation Name"].as_str();
    let index = plan["Index Name"].as_str();
    if relation.is_some() || index.is_some() {
        out.push(Scan {
            node: plan["Node Type"].as_str().unwrap_or_default().to_owned(),
            relation: relation.unwrap_or_default().to_owned(),
            index: index.unwrap_or_default().to_owned(),
            bounded: plan.get("Index Cond").is_some() || plan.get("Recheck Cond").is_some(),
            filtered: plan.get("Filter").is_some(),
        });
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        scans(child, out);
    }
}

/// How strictly a request's page reads are checked.
#[derive(Clone, Copy, PartialEq)]
enum Page {
    /// A first page, or a filtered one: walking the sort index and filtering is a fair plan
    /// for a read that stops at its LIMIT, so only a sequential scan fails it.
    Walk,
    /// A page after a cursor of an unfiltered sorted list: the cursor's place in the index
    /// bounds the scan (a row-value comparison `(key, id) > (…)`), so a page deep in the list
    /// costs what the first one does; walking the index from its start and filtering fails.
    /// A page after a cursor on a nullable key read ascending also takes the rows whose key
    /// is NULL (sorted last), which no single range holds: its statement says `IS NULL` and
    /// is checked as [`Page::Walk`].
    Ranged,
}

/// Runs `query`, explains every read it made, prints the scans, and returns the sequential
/// scans of large tables it found (as messages).
async fn check(
    app: &TestApp,
    label: &str,
    query: &str,
    variables: Value,
    page: Page,
) -> Vec<String> {
    app.store.start_recording();
    let res = app.gql(query, variables.clone()).await;
    let statements = app.store.stop_recording();
    assert!(
        res.body.get("errors").is_none(),
        "{label}: the request failed, so its plan cannot be checked: {} (variables {variables})",
        res.body
    );
    let mut failures = Vec::new();
    for statement in statements.iter().filter(|s| s.is_read()) {
        let plan = app
            .store
            .explain(statement, true)
            .await
            .unwrap_or_else(|e| panic!("{label}: EXPLAIN failed: {e:?}\n{}", statement.sql()));
        let mut found = Vec::new();
        scans(&plan[0]["Plan"], &mut found);
        let shown: Vec<String> = found
            .iter()
            .map(|s| {
                let mut line = s.node.clone();
                if !s.relation.is_empty() {
                    line.push_str(&format!(" on {}", s.relation));
                }
                if !s.index.is_empty() {
                    line.push_str(&format!(" using {}", s.index));
                }
                if s.filtered {
                    line.push_str(" (filtered)");
                }
                line
            })
            .collect();
        println!("{label}: {}", shown.join(", "));
        // A page read stops at its LIMIT: walking the sort index and filtering is a fair plan
        // for it, so only a sequential scan fails it. A count reads every match: with
        // sequential scans off, filtering rows without an index condition means no index
        // serves the filter.
        let counts = !statement.sql().contains(" LIMIT ");
        let ranged = page == Page::Ranged && !statement.sql().contains("IS NULL");
        for scan in &found {
            let failed = if counts || ranged {
                scan.unindexed()
            } else {
                scan.sequential()
            };
            if failed {
                failures.push(format!(
                    "{label}: {} of {} without an index condition\n  {}",
                    scan.node,
                    scan.relation,
                    statement.sql()
                ));
            } else if scan.unindexed() {
                println!(
                    "{label}: note: the page walks {} of {} and filters (no index condition)",
                    scan.index, scan.relation
                );
            }
        }
    }
    failures
}

#[tokio::test]
#[ignore = "needs PostgreSQL and 100,000 generated rows: `.ci/run` runs it (step \"query plans\")"]
async fn every_filter_and_sort_of_the_contact_and_account_lists_is_served_by_an_index() {
    assert!(
        std::env::var("TEST_DATABASE_URL").is_ok(),
        "the index check reads PostgreSQL's plans: set TEST_DATABASE_URL to a PostgreSQL server"
    );
    let app = spawn_app().await;
    fill(&app).await;
    let ids = app
        .gql(
            "{ accounts(first: 1) { nodes { id } } teamMembers(first: 1, filter: {role: ACCOUNT_MANAGER}) { nodes { id } } partners(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await
        .ok();
    let id = |p: &str| ids.data(p).as_str().expect("an id").to_owned();
    let mut samples = Samples {
        accounts: false,
        account: id("/accounts/nodes/0/id"),
        member: id("/teamMembers/nodes/0/id"),
        partner: id("/partners/nodes/0/id"),
    };
    let schema = app.gql(INTROSPECT, json!({})).await.ok();
    let types = schema
        .data("/__schema/types")
        .as_array()
        .expect("types")
        .clone();
    let fields = schema
        .data("/__schema/queryType/fields")
        .as_array()
        .expect("fields")
        .clone();

    let mut failures = Vec::new();
    let mut checked = 0;
    for list in LISTS {
        samples.accounts = list == "accounts";
        let field = fields
            .iter()
            .find(|f| f["name"] == list)
            .unwrap_or_else(|| panic!("no list {list}"));
        let arg = |name: &str| {
            field["args"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == name))
                .unwrap_or_else(|| panic!("{list} takes no {name}"))
                .clone()
        };
        let (filter, order) = (arg("filter"), arg("orderBy"));
        let query = format!(
            "query($filter: {}, $orderBy: {}, $after: String) {{ {list}(first: 50, after: $after, \
             filter: $filter, orderBy: $orderBy) {{ totalCount pageInfo {{ endCursor }} \
             edges {{ node {{ id }} }} }} }}",
            render(&filter["type"]),
            render(&order["type"]),
        );
        let mut variants = vec![(format!("{list} unfiltered"), json!({}))];
        for (path, value) in samples.filters(&types, &named(&filter["type"]).0, "") {
            variants.push((format!("{list} filter.{path}"), json!({ "filter": value })));
        }
        let (order_input, _) = named(&order["type"]);
        let order_def = types
            .iter()
            .find(|t| t["name"] == order_input.as_str())
            .expect("order input");
        let order_field = order_def["inputFields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["name"] == "field"))
            .expect("an order input has `field`");
        let (sort_enum, _) = named(&order_field["type"]);
        let sort_values = types
            .iter()
            .find(|t| t["name"] == sort_enum.as_str())
            .and_then(|t| t["enumValues"].as_array())
            .expect("sort fields")
            .clone();
        for value in sort_values {
            let sort = value["name"].as_str().unwrap_or_default();
            for direction in ["ASC", "DESC"] {
                variants.push((
                    format!("{list} orderBy {sort} {direction}"),
                    json!({ "orderBy": [{"field": sort, "direction": direction}] }),
                ));
            }
        }
        for (label, variables) in variants {
            failures.extend(check(&app, &label, &query, variables.clone(), Page::Walk).await);
            // The next page: keyset pagination from the first page's last cursor.
            let first = app.gql(&query, variables.clone()).await.ok();
            if let Some(cursor) = first.data(&format!("/{list}/pageInfo/endCursor")).as_str() {
                let mut next = variables.as_object().cloned().unwrap_or_else(Map::new);
                next.insert("after".to_owned(), json!(cursor));
                let page = if variables.get("filter").is_some() {
                    Page::Walk
                } else {
                    Page::Ranged
                };
                failures.extend(
                    check(
                        &app,
                        &format!("{label} (page 2)"),
                        &query,
                        Value::Object(next),
                        page,
                    )
                    .await,
                );
            }
            checked += 1;
        }
    }
    println!("checked {checked} filters and sorts on {CONTACTS} contacts, {ACCOUNTS} accounts");
    assert!(
        failures.is_empty(),
        "{} statement(s) read a large table without an index:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
