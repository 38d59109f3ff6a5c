//! The schema, as introspection tells it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::server::{Server, post};

#[derive(Debug, Clone)]
pub(super) enum Ty {
    NonNull(Box<Ty>),
    List(Box<Ty>),
    Named(String),
}

impl Ty {
    pub(super) fn from_json(v: &Value) -> Ty {
        match v["kind"].as_str() {
            Some("NON_NULL") => Ty::NonNull(Box::new(Ty::from_json(&v["ofType"]))),
            Some("LIST") => Ty::List(Box::new(Ty::from_json(&v["ofType"]))),
            _ => Ty::Named(v["name"].as_str().expect("a named type").to_owned()),
        }
    }

    pub(super) fn sdl(&self) -> String {
        match self {
            Ty::NonNull(t) => format!("{}!", t.sdl()),
            Ty::List(t) => format!("[{}]", t.sdl()),
            Ty::Named(n) => n.clone(),
        }
    }

    pub(super) fn named(&self) -> &str {
        match self {
            Ty::NonNull(t) | Ty::List(t) => t.named(),
            Ty::Named(n) => n,
        }
    }
}

pub(super) struct RootField {
    pub(super) operation: &'static str,
    pub(super) name: String,
    pub(super) args: Vec<(String, Ty)>,
    pub(super) returns_object: bool,
}

#[derive(Default)]
pub(super) struct Schema {
    pub(super) kinds: BTreeMap<String, String>,
    pub(super) input_fields: BTreeMap<String, Vec<(String, Ty)>>,
    pub(super) enum_values: BTreeMap<String, Vec<String>>,
    pub(super) roots: Vec<RootField>,
}

const TYPE_REF: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name \
                        ofType { kind name ofType { kind name } } } } }";

pub(super) async fn introspect(client: &reqwest::Client, server: &Server) -> Schema {
    let query = format!(
        "query {{ __schema {{ queryType {{ name }} mutationType {{ name }} types {{ kind name \
         fields {{ name args {{ name type {{ ...T }} }} type {{ ...T }} }} \
         inputFields {{ name type {{ ...T }} }} enumValues {{ name }} }} }} }} {TYPE_REF}"
    );
    let (_, body) = post(client, server, &query, &json!({})).await;
    let schema = &body["data"]["__schema"];
    assert!(schema.is_object(), "introspection answers: {body}");
    let mut out = Schema::default();
    let types = schema["types"].as_array().expect("types");
    for t in types {
        let name = t["name"].as_str().expect("name").to_owned();
        out.kinds
            .insert(name.clone(), t["kind"].as_str().expect("kind").to_owned());
        if let Some(fields) = t["inputFields"].as_array() {
            let fields = fields
                .iter()
                .map(|f| (string(&f["name"]), Ty::from_json(&f["type"])))
                .collect();
            out.input_fields.insert(name.clone(), fields);
        }
        if let Some(values) = t["enumValues"].as_array() {
            out.enum_values.insert(
                name.clone(),
                values.iter().map(|v| string(&v["name"])).collect(),
            );
        }
    }
    for (operation, root) in [
        ("query", &schema["queryType"]["name"]),
        ("mutation", &schema["mutationType"]["name"]),
    ] {
        let Some(root) = root.as_str() else { continue };
        let t = types
            .iter()
            .find(|t| t["name"] == root)
            .expect("the root type");
        for f in t["fields"].as_array().expect("fields") {
            let returns = Ty::from_json(&f["type"]);
            let kind = out.kinds.get(returns.named()).cloned().unwrap_or_default();
            out.roots.push(RootField {
                operation,
                name: string(&f["name"]),
                args: f["args"]
                    .as_array()
                    .expect("args")
                    .iter()
                    .map(|a| (string(&a["name"]), Ty::from_json(&a["type"])))
                    .collect(),
                returns_object: matches!(kind.as_str(), "OBJECT" | "INTERFACE" | "UNION"),
            });
        }
    }
    out
}

fn string(v: &Value) -> String {
    v.as_str().expect("a string").to_owned()
}
