//! `orderBy` on every connection: each field in both directions, keyset paging forwards and
//! backwards (also while rows are inserted between requests), mixed directions, NULLs last
//! ascending and first descending, case-insensitive text, cursor misuse refused, partner scope
//! unchanged.

mod accounts;
mod agreements;
mod contacts;
mod interactions;
mod misuse;
mod others;
mod paging;

use std::cmp::Ordering;
use std::collections::HashMap;

use rapport_tests::TestApp;
use serde_json::{Value, json};

/// A sort value as the API shows it, compared the way the API promises.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum K {
    /// A value (text lower-cased, instants as nanoseconds, amounts as ten-thousandths).
    V(String),
    /// An instant or amount.
    N(i128),
    /// No value: after every value ascending.
    Null,
}

/// How to read a field's sort value from a node.
#[derive(Clone, Copy)]
pub enum Read {
    /// Text, compared case-insensitively.
    Text(&'static str),
    /// An enum name or a calendar date, compared as is.
    Plain(&'static str),
    /// An RFC 3339 instant.
    Instant(&'static str),
    /// A decimal amount.
    Amount(&'static str),
    /// Not shown by the API, but in id order (creation times): the tie-breaker decides.
    IdOrder,
}

impl Read {
    pub fn of(self, node: &Value) -> K {
        let at = |p: &str| node.pointer(p).cloned().unwrap_or(Value::Null);
        match self {
            Read::Text(p) => at(p).as_str().map_or(K::Null, |s| K::V(s.to_lowercase())),
            Read::Plain(p) => at(p).as_str().map_or(K::Null, |s| K::V(s.to_owned())),
            Read::Instant(p) => at(p).as_str().map_or(K::Null, |s| {
                let t = chrono::DateTime::parse_from_rfc3339(s).expect("an RFC 3339 instant");
                K::N(i128::from(t.timestamp_nanos_opt().expect("in range")))
            }),
            Read::IdOrder => K::Null,
            Read::Amount(p) => at(p).as_str().map_or(K::Null, |s| {
                let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
                let frac: String = frac.chars().chain("0000".chars()).take(4).collect();
                K::N(
                    whole.parse::<i128>().expect("amount") * 10_000
                        + frac.parse::<i128>().expect("amount"),
                )
            }),
        }
    }
}

/// One connection under test: its query (variables `$first $after $last $before $order` and
/// any in `vars`), where the connection is in the answer, and the token to ask with.
pub struct Conn<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub query: String,
    pub path: &'static str,
    pub vars: Value,
}

/// One page: the nodes and the page info.
pub struct PageOut {
    pub nodes: Vec<Value>,
    pub cursors: Vec<String>,
    pub info: Value,
}

impl Conn<'_> {
    pub async fn page(&self, args: Value) -> PageOut {
        let mut vars = self.vars.clone();
        for (k, v) in args.as_object().expect("args") {
            vars[k] = v.clone();
        }
        let res = self
            .app
            .gql_as(Some(&self.token), &self.query, vars)
            .await
            .ok();
        let conn = res.data(self.path);
        let edges = conn["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("no edges: {}", res.body));
        PageOut {
            nodes: edges
                .iter()
                .map(|e| {
                    let mut node = e["node"].clone();
                    node["rowId"] = json!(row_id(e["cursor"].as_str().expect("cursor")));
                    node
                })
                .collect(),
            cursors: edges
                .iter()
                .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
                .collect(),
            info: conn["pageInfo"].clone(),
        }
    }

    /// Every node in `order`, walking pages of `size` forwards (or backwards from the end).
    pub async fn walk(&self, order: &Value, size: i64, backwards: bool) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor = Value::Null;
        for _ in 0..200 {
            let page = if backwards {
                self.page(json!({"last": size, "before": cursor, "order": order}))
                    .await
            } else {
                self.page(json!({"first": size, "after": cursor, "order": order}))
                    .await
            };
            let more = if backwards {
                page.info["hasPreviousPage"] == true
            } else {
                page.info["hasNextPage"] == true
            };
            if backwards {
                cursor = page.info["startCursor"].clone();
                let mut nodes = page.nodes;
                nodes.extend(out);
                out = nodes;
            } else {
                cursor = page.info["endCursor"].clone();
                out.extend(page.nodes);
            }
            if !more {
                return out;
            }
        }
        panic!("more than 200 pages");
    }

    /// Every node in the default order (by id): each id's rank, the tie-breaker.
    pub async fn ranks(&self) -> HashMap<String, usize> {
        self.walk(&Value::Null, 100, false)
            .await
            .iter()
            .enumerate()
            .map(|(i, n)| (id(n), i))
            .collect()
    }

    /// Sorting by each of `fields` in both directions lists every row once, in the promised
    /// order (id as the tie-breaker in the last key's direction), and paging forwards and
    /// backwards by `size` gives the same list. Returns how many rows were listed.
    pub async fn check_fields(&self, fields: &[(&str, Read)], size: i64) -> usize {
        let ranks = self.ranks().await;
        for (field, read) in fields {
            for dir in ["ASC", "DESC"] {
                let order = json!([{"field": field, "direction": dir}]);
                self.check_order(&order, &[(*read, dir == "DESC")], &ranks, size)
                    .await;
            }
        }
        ranks.len()
    }

    /// Checks one `orderBy` against `keys` (reader, descending).
    pub async fn check_order(
        &self,
        order: &Value,
        keys: &[(Read, bool)],
        ranks: &HashMap<String, usize>,
        size: i64,
    ) {
        let all = self.walk(order, 100, false).await;
        assert_eq!(all.len(), ranks.len(), "{order}: every row once");
        assert_sorted(&all, keys, ranks, &order.to_string());
        let forwards = self.walk(order, size, false).await;
        let backwards = self.walk(order, size, true).await;
        assert_eq!(
            ids(&forwards),
            ids(&all),
            "{order}: paging forwards by {size}"
        );
        assert_eq!(
            ids(&backwards),
            ids(&all),
            "{order}: paging backwards by {size}"
        );
    }
}

/// The row id a cursor names (cursors are opaque to clients; the test reads them to know
/// each row's id, also where the type has no `id`).
pub fn row_id(cursor: &str) -> i64 {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .expect("base64");
    let text = String::from_utf8(raw).expect("utf-8");
    if let Some(id) = text.strip_prefix("cursor:") {
        return id.parse().expect("id");
    }
    let json: Value = serde_json::from_str(text.strip_prefix("k1:").expect("k1")).expect("json");
    json["i"].as_i64().expect("id")
}

pub fn id(node: &Value) -> String {
    node["rowId"].to_string()
}

pub fn ids(nodes: &[Value]) -> Vec<String> {
    nodes.iter().map(id).collect()
}

/// Compares two nodes the way the API promises: each key in its direction (NULLs last
/// ascending, first descending), then the id's rank in the last key's direction.
pub fn compare(
    a: &Value,
    b: &Value,
    keys: &[(Read, bool)],
    ranks: &HashMap<String, usize>,
) -> Ordering {
    for (read, desc) in keys {
        let o = read.of(a).cmp(&read.of(b));
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    let o = ranks[&id(a)].cmp(&ranks[&id(b)]);
    if keys.last().is_some_and(|(_, desc)| *desc) {
        o.reverse()
    } else {
        o
    }
}

pub fn assert_sorted(
    nodes: &[Value],
    keys: &[(Read, bool)],
    ranks: &HashMap<String, usize>,
    what: &str,
) {
    for pair in nodes.windows(2) {
        assert_eq!(
            compare(&pair[0], &pair[1], keys, ranks),
            Ordering::Less,
            "{what}: {} must come before {}",
            pair[0],
            pair[1]
        );
    }
}

/// The connection query for `field(...)` at the root or under `parent(id: $id)`, selecting
/// `selection` on each node.
pub fn query(
    order_type: &str,
    parent: Option<(&str, &str)>,
    field: &str,
    extra_args: &str,
    selection: &str,
) -> String {
    let args = format!(
        "first: $first, after: $after, last: $last, before: $before, orderBy: $order{extra_args}"
    );
    let conn = format!(
        "{field}({args}) {{ edges {{ cursor node {{ {selection} }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }}"
    );
    let (vars, body) = match parent {
        Some((parent, fragment)) => (
            ", $id: ID!".to_owned(),
            format!("{parent}(id: $id) {{ ... on {fragment} {{ {conn} }} }}"),
        ),
        None => (String::new(), conn),
    };
    format!(
        "query($first: Int, $after: String, $last: Int, $before: String, $order: [{order_type}!]{vars}) {{ {body} }}"
    )
}
