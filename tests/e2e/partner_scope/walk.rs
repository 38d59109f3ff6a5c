//! Generates, from the live schema's introspection, one query per field that returns an object
//! (every root field, every list and connection, every nested object): the shortest path from
//! `Query` to the field's type, then the field with every scalar of what it returns. Fields
//! that take ids run once per id of a pool; a `filter` with id fields runs once per id.

use std::collections::{BTreeSet, HashMap, VecDeque};

use rapport_tests::TestApp;
use serde_json::{Value, json};

const INTROSPECTION: &str = "{ __schema { queryType { name } types { name kind
  possibleTypes { name }
  inputFields { name type { ...T } }
  fields { name args { name defaultValue type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// How many items each connection asks for (keeps nested connections under the complexity
/// limit while covering every row of the fixture).
const FIRST: i64 = 5;

#[derive(Debug, Clone)]
struct Named {
    name: String,
}

fn named(t: &Value) -> Named {
    let mut t = t;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    Named {
        name: t["name"].as_str().expect("a type name").to_owned(),
    }
}

#[derive(Debug)]
struct Arg {
    name: String,
    ty: Named,
    list: bool,
    required: bool,
}

#[derive(Debug)]
struct Field {
    name: String,
    args: Vec<Arg>,
    ty: Named,
}

#[derive(Debug)]
struct Type {
    kind: String,
    fields: Vec<Field>,
    possible: Vec<String>,
    inputs: Vec<(String, Named)>,
}

/// The schema as introspected.
#[derive(Debug)]
pub struct Schema {
    query: String,
    types: HashMap<String, Type>,
}

impl Schema {
    /// Reads the live schema (as the admin).
    pub async fn load(app: &TestApp) -> Self {
        let res = app.gql(INTROSPECTION, json!({})).await.ok();
        let s = res.data("/__schema");
        let mut types = HashMap::new();
        for t in s["types"].as_array().expect("types") {
            let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
            let fields = list(&t["fields"])
                .iter()
                .map(|f| Field {
                    name: f["name"].as_str().expect("name").to_owned(),
                    ty: named(&f["type"]),
                    args: list(&f["args"])
                        .iter()
                        .map(|a| Arg {
                            name: a["name"].as_str().expect("name").to_owned(),
                            ty: named(&a["type"]),
                            list: a["type"].to_string().contains("\"LIST\""),
                            required: a["type"]["kind"] == "NON_NULL"
                                && a["defaultValue"].is_null(),
                        })
                        .collect(),
                })
                .collect();
            let inputs = list(&t["inputFields"])
                .iter()
                .map(|f| {
                    (
                        f["name"].as_str().expect("name").to_owned(),
                        named(&f["type"]),
                    )
                })
                .collect();
            let possible = list(&t["possibleTypes"])
                .iter()
                .map(|p| p["name"].as_str().expect("name").to_owned())
                .collect();
            types.insert(
                t["name"].as_str().expect("name").to_owned(),
                Type {
                    kind: t["kind"].as_str().expect("kind").to_owned(),
                    fields,
                    possible,
                    inputs,
                },
            );
        }
        Schema {
            query: s["queryType"]["name"].as_str().expect("query").to_owned(),
            types,
        }
    }

    fn kind(&self, name: &str) -> &str {
        &self.types[name].kind
    }

    fn is_object(&self, name: &str) -> bool {
        matches!(self.kind(name), "OBJECT" | "INTERFACE")
    }

    /// Every scalar of `name` (the scalars of each possible type of an interface).
    fn scalars(&self, name: &str) -> String {
        let t = &self.types[name];
        if t.kind == "INTERFACE" {
            let parts: Vec<String> = t
                .possible
                .iter()
                .map(|p| format!("... on {p} {{ {} }}", self.scalars(p)))
                .collect();
            return format!("__typename {}", parts.join(" "));
        }
        let mut out = vec!["__typename".to_owned()];
        for f in &t.fields {
            if !self.is_object(&f.ty.name) && !f.args.iter().any(|a| a.required) {
                out.push(f.name.clone());
            }
        }
        out.join(" ")
    }
}

/// Which ids a generated query needs in its variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing.
    Nothing,
    /// `$id: ID!`, run once per id of the pool.
    Id,
    /// `$ids: [ID!]!`, run once with the whole pool.
    Ids,
    /// `$filterId: ID!` in a filter, run once per id that must never be answered.
    FilterId,
}

/// One generated query.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `Type.field` it reaches.
    pub field: String,
    /// The document.
    pub query: String,
    /// What its variables need.
    pub needs: Needs,
}

#[derive(Debug, Clone)]
struct Step {
    field: String,
    args: String,
    on: Option<String>,
}

fn render(steps: &[Step], leaf: &str) -> String {
    match steps.split_first() {
        None => leaf.to_owned(),
        Some((s, rest)) => {
            let inner = render(rest, leaf);
            let inner = match &s.on {
                Some(t) => format!("__typename ... on {t} {{ {inner} }}"),
                None => inner,
            };
            format!("{}{} {{ {inner} }}", s.field, s.args)
        }
    }
}

/// The arguments a step passes: `first` when offered, and ids from variables when required.
/// `None` when a required argument cannot be given.
fn args(f: &Field, filter: Option<&str>) -> Option<(String, Needs)> {
    let mut parts = Vec::new();
    let mut needs = Needs::Nothing;
    for a in &f.args {
        if a.name == "first" && a.ty.name == "Int" {
            parts.push(format!("first: {FIRST}"));
        } else if a.name == "filter" && filter.is_some() {
            parts.push(format!(
                "filter: {{{}: $filterId}}",
                filter.unwrap_or_default()
            ));
            needs = Needs::FilterId;
        } else if a.required && a.ty.name == "ID" {
            if a.list {
                parts.push(format!("{}: $ids", a.name));
                needs = Needs::Ids;
            } else {
                parts.push(format!("{}: $id", a.name));
                needs = Needs::Id;
            }
        } else if a.required {
            return None;
        }
    }
    let rendered = if parts.is_empty() {
        String::new()
    } else {
        format!("({})", parts.join(", "))
    };
    Some((rendered, needs))
}

impl Schema {
    /// The shortest path from the query root to each object type, through fields that need
    /// no id where one exists.
    fn paths(&self) -> HashMap<String, Vec<Step>> {
        let mut out: HashMap<String, Vec<Step>> = HashMap::from([(self.query.clone(), vec![])]);
        for with_ids in [false, true] {
            let mut queue: VecDeque<String> = out.keys().cloned().collect();
            while let Some(t) = queue.pop_front() {
                for f in &self.types[&t].fields {
                    if !self.is_object(&f.ty.name) {
                        continue;
                    }
                    let Some((rendered, needs)) = args(f, None) else {
                        continue;
                    };
                    if needs != Needs::Nothing && (!with_ids || t != self.query) {
                        continue;
                    }
                    let interface = self.kind(&f.ty.name) == "INTERFACE";
                    let targets = if interface {
                        self.types[&f.ty.name].possible.clone()
                    } else {
                        vec![f.ty.name.clone()]
                    };
                    for target in targets {
                        if out.contains_key(&target) {
                            continue;
                        }
                        let mut path = out[&t].clone();
                        path.push(Step {
                            field: f.name.clone(),
                            args: rendered.clone(),
                            on: interface.then(|| target.clone()),
                        });
                        out.insert(target.clone(), path);
                        queue.push_back(target);
                    }
                }
            }
        }
        out
    }

    /// One probe per object-returning field of every type reachable from the query root, and
    /// one more per id field of its `filter`.
    pub fn probes(&self) -> Vec<Probe> {
        let paths = self.paths();
        let mut reached: Vec<&String> = paths.keys().collect();
        reached.sort();
        let mut out = Vec::new();
        for t in reached {
            for f in &self.types[t].fields {
                if !self.is_object(&f.ty.name) {
                    continue;
                }
                let mut filters: Vec<Option<String>> = vec![None];
                if let Some(filter) = f.args.iter().find(|a| a.name == "filter") {
                    filters.extend(
                        self.types[&filter.ty.name]
                            .inputs
                            .iter()
                            .filter(|(_, ty)| ty.name == "ID")
                            .map(|(name, _)| Some(name.clone())),
                    );
                }
                for filter in filters {
                    let Some((rendered, needs)) = args(f, filter.as_deref()) else {
                        panic!("{t}.{} takes an argument the walk cannot give", f.name);
                    };
                    let mut steps = paths[t].clone();
                    let path_needs = paths[t]
                        .iter()
                        .find_map(|s| {
                            if s.args.contains("$ids") {
                                Some(Needs::Ids)
                            } else if s.args.contains("$id") {
                                Some(Needs::Id)
                            } else {
                                None
                            }
                        })
                        .unwrap_or(Needs::Nothing);
                    let needs = if needs == Needs::Nothing {
                        path_needs
                    } else {
                        needs
                    };
                    steps.push(Step {
                        field: f.name.clone(),
                        args: rendered,
                        on: None,
                    });
                    let body = render(&steps, &self.scalars(&f.ty.name));
                    let vars = match needs {
                        Needs::Nothing => "",
                        Needs::Id => "($id: ID!)",
                        Needs::Ids => "($ids: [ID!]!)",
                        Needs::FilterId => "($filterId: ID!)",
                    };
                    out.push(Probe {
                        field: format!(
                            "{t}.{}{}",
                            f.name,
                            filter.map(|x| format!("(filter.{x})")).unwrap_or_default()
                        ),
                        query: format!("query{vars} {{ {body} }}"),
                        needs,
                    });
                }
            }
        }
        out
    }
}

/// Every global id anywhere in `v`.
pub fn global_ids(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if rapport_api::global_id::decode_any(s).is_some() => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|i| global_ids(i, out)),
        Value::Object(map) => map.values().for_each(|i| global_ids(i, out)),
        _ => {}
    }
}

/// The values of every field named `key` anywhere in `v`.
pub fn values_of<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| values_of(i, key, out)),
        Value::Object(map) => {
            for (k, i) in map {
                if k == key {
                    out.push(i);
                }
                values_of(i, key, out);
            }
        }
        _ => {}
    }
}
