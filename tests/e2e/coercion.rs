//! No input reaches INTERNAL. The schema is walked by introspection; every argument of every
//! query and mutation field, and every field of the input objects reachable from it, is sent
//! wrong values (a wrong JSON type, null where a value is required, a malformed string for
//! each custom scalar and enum), once in variables and once inline. Nothing may answer
//! INTERNAL; a value of the wrong type must answer BAD_USER_INPUT naming the field; and the
//! server, a real `rapport` process logging JSON, must write no ERROR line.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::{Map, Value, json};

/// The `rapport` binary serving on a free port, its log (JSON lines) going to a file.
struct Server {
    child: Child,
    address: String,
    token: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("server.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", dir.path())
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_HTTP__WORKERS", "2")
        .env("RAPPORT_LOG__FORMAT", "json")
        .env("RAPPORT_LOG__FILTER", "info")
        .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0")
        // Thousands of probes as one admin, as fast as the server answers: the rate limit is
        // not what this test is about.
        .env("RAPPORT_RATE_LIMIT__SUBJECT_BURST", "100000")
        // Every refusal gets its log line (they are sampled by default), so the log can be
        // shown to hold every probe and no ERROR.
        .env("RAPPORT_LOG__REFUSAL_LINES", "1000000");
    if let Ok(server) = std::env::var("TEST_DATABASE_URL")
        && !server.trim().is_empty()
    {
        let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
        let url = rapport_api::store::create_postgres_database(&server, &name)
            .await
            .expect("a fresh PostgreSQL database");
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(File::create(&log).expect("log file")))
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let (address, token) = tokio::task::spawn_blocking(move || {
        let mut address = None;
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.expect("banner");
            if let Some(at) = line.find("#token=") {
                let token = line[at + "#token=".len()..].trim().to_owned();
                // Keep reading: a closed pipe would fail the server's next banner line.
                std::thread::spawn(move || lines.for_each(drop));
                return (address.expect("the address comes first"), token);
            }
            if address.is_none() {
                address = line
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .and_then(|url| url.strip_suffix("/graphql"))
                    .map(str::to_owned);
            }
        }
        panic!("the server printed no bootstrap token");
    })
    .await
    .expect("banner read");
    Server {
        child,
        address,
        token,
        log,
        _dir: dir,
    }
}

// ---------------------------------------------------------------------------
// The schema, as introspection tells it
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Ty {
    NonNull(Box<Ty>),
    List(Box<Ty>),
    Named(String),
}

impl Ty {
    fn from_json(v: &Value) -> Ty {
        match v["kind"].as_str() {
            Some("NON_NULL") => Ty::NonNull(Box::new(Ty::from_json(&v["ofType"]))),
            Some("LIST") => Ty::List(Box::new(Ty::from_json(&v["ofType"]))),
            _ => Ty::Named(v["name"].as_str().expect("a named type").to_owned()),
        }
    }

    fn sdl(&self) -> String {
        match self {
            Ty::NonNull(t) => format!("{}!", t.sdl()),
            Ty::List(t) => format!("[{}]", t.sdl()),
            Ty::Named(n) => n.clone(),
        }
    }

    fn named(&self) -> &str {
        match self {
            Ty::NonNull(t) | Ty::List(t) => t.named(),
            Ty::Named(n) => n,
        }
    }
}

struct RootField {
    operation: &'static str,
    name: String,
    args: Vec<(String, Ty)>,
    returns_object: bool,
}

#[derive(Default)]
struct Schema {
    kinds: BTreeMap<String, String>,
    input_fields: BTreeMap<String, Vec<(String, Ty)>>,
    enum_values: BTreeMap<String, Vec<String>>,
    roots: Vec<RootField>,
}

const TYPE_REF: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name \
                        ofType { kind name ofType { kind name } } } } }";

async fn introspect(client: &reqwest::Client, server: &Server) -> Schema {
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

// ---------------------------------------------------------------------------
// Values: a plausible one for every type, and wrong ones for every position
// ---------------------------------------------------------------------------

impl Schema {
    fn kind(&self, name: &str) -> &str {
        self.kinds.get(name).map_or("", String::as_str)
    }

    /// A value of the right type: required input fields filled, lists of one.
    fn sample(&self, ty: &Ty) -> Value {
        match ty {
            Ty::NonNull(t) => self.sample(t),
            Ty::List(t) => json!([self.sample(t)]),
            Ty::Named(name) => match (name.as_str(), self.kind(name)) {
                ("Int", _) => json!(1),
                ("Float", _) => json!(1.5),
                ("Boolean", _) => json!(true),
                ("Decimal", _) => json!("1"),
                ("Date", _) => json!("2026-01-01"),
                ("DateTime", _) => json!("2026-01-01T00:00:00Z"),
                ("EmailAddress", _) => json!("walker@example.com"),
                ("PhoneNumber", _) => json!("+33612345678"),
                (_, "ENUM") => json!(self.enum_values[name][0]),
                (_, "INPUT_OBJECT") => Value::Object(
                    self.input_fields[name]
                        .iter()
                        .filter(|(_, t)| matches!(t, Ty::NonNull(_)))
                        .map(|(f, t)| (f.clone(), self.sample(t)))
                        .collect(),
                ),
                _ => json!("x"),
            },
        }
    }

    /// Wrong values for every position inside a value of `ty`, with what the answer must be.
    fn wrong_values(&self, ty: &Ty, seen: &mut Vec<String>) -> Vec<(Vec<Seg>, Value, Expect)> {
        match ty {
            Ty::NonNull(t) => {
                let mut out = vec![(vec![], Value::Null, Expect::Field)];
                out.extend(self.wrong_values(t, seen));
                out
            }
            Ty::List(t) => self
                .wrong_values(t, seen)
                .into_iter()
                .map(|(mut p, v, expect)| {
                    p.insert(0, Seg::Index(0));
                    (p, v, expect)
                })
                .collect(),
            Ty::Named(name) => {
                let here = |values: Vec<(Value, bool)>| -> Vec<(Vec<Seg>, Value, Expect)> {
                    values
                        .into_iter()
                        .map(|(v, wrong)| {
                            let expect = if wrong {
                                Expect::Field
                            } else {
                                Expect::NotInternal
                            };
                            (vec![], v, expect)
                        })
                        .collect()
                };
                let object = json!({"unexpected": 1});
                match (name.as_str(), self.kind(name)) {
                    ("Int", _) => here(vec![
                        (json!("7"), true),
                        (json!(1.5), true),
                        (json!(1_u64 << 40), true),
                        (object, true),
                        (json!([1]), true),
                    ]),
                    ("Float", _) => here(vec![(json!("1.5"), true), (object, true)]),
                    ("Boolean", _) => here(vec![(json!("true"), true), (json!(1), true)]),
                    ("Decimal", _) => here(vec![
                        (json!(120.5), true),
                        (json!(true), true),
                        (object, true),
                        (json!(["1"]), true),
                        (json!("12,5"), false),
                        (json!("yesterday"), false),
                    ]),
                    ("DateTime", _) => here(vec![
                        (json!("yesterday"), true),
                        (json!("2026-13-01T00:00:00Z"), true),
                        (json!(1_700_000_000), true),
                        (object, true),
                        (json!(["2026-01-01T00:00:00Z"]), true),
                    ]),
                    ("Date", _) => here(vec![
                        (json!(20_260_101), true),
                        (object, true),
                        (json!("2026-13-45"), false),
                        (json!("yesterday"), false),
                    ]),
                    ("EmailAddress", _) => here(vec![
                        (json!(7), true),
                        (object, true),
                        (json!("not-an-email"), false),
                    ]),
                    ("PhoneNumber", _) => here(vec![
                        (json!(33_612_345_678_u64), true),
                        (json!(["+33612345678"]), true),
                        (json!("call me"), false),
                    ]),
                    // An id may be a JSON integer (the GraphQL ID type says so).
                    ("ID", _) => here(vec![
                        (object, true),
                        (json!(true), true),
                        // base64url("Account:01"): not the canonical id of account 1.
                        (json!("QWNjb3VudDowMQ"), false),
                    ]),
                    (_, "ENUM") => here(vec![
                        (json!("NOT_A_VALUE"), true),
                        (json!(7), true),
                        (object, true),
                    ]),
                    (_, "INPUT_OBJECT") => {
                        let mut out = here(vec![(json!("x"), true), (json!(7), true)]);
                        if seen.contains(name) {
                            return out;
                        }
                        seen.push(name.clone());
                        for (field, t) in &self.input_fields[name] {
                            for (mut p, v, expect) in self.wrong_values(t, seen) {
                                p.insert(0, Seg::Name(field.clone()));
                                out.push((p, v, expect));
                            }
                        }
                        seen.pop();
                        out
                    }
                    // String and any other scalar.
                    _ => here(vec![(json!(7), true), (object, true), (json!(["x"]), true)]),
                }
            }
        }
    }

    /// `value` (a sample of `ty`) with `bad` put at `path`, filling optional fields on the way.
    fn put(&self, value: &mut Value, ty: &Ty, path: &[Seg], bad: Value) {
        let Some((first, rest)) = path.split_first() else {
            *value = bad;
            return;
        };
        match (first, ty) {
            (_, Ty::NonNull(t)) => self.put(value, t, path, bad),
            (Seg::Index(_), Ty::List(t)) => {
                let item = &mut value.as_array_mut().expect("a list sample")[0];
                self.put(item, t, rest, bad);
            }
            (Seg::Name(field), Ty::Named(name)) => {
                let field_ty = self.input_fields[name]
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, t)| t.clone())
                    .expect("an input field");
                let object = value.as_object_mut().expect("an object sample");
                let slot = object
                    .entry(field.clone())
                    .or_insert_with(|| self.sample(&field_ty));
                if slot.is_null() {
                    *slot = self.sample(&field_ty);
                }
                self.put(slot, &field_ty, rest, bad);
            }
            other => panic!("no position {other:?}"),
        }
    }

    /// A GraphQL literal for `value` where a `ty` is expected (enum values bare).
    fn literal(&self, value: &Value, ty: Option<&Ty>) -> String {
        let inner = |t: &Ty| match t {
            Ty::NonNull(i) => match &**i {
                Ty::List(x) => Some((**x).clone()),
                _ => None,
            },
            Ty::List(x) => Some((**x).clone()),
            Ty::Named(_) => None,
        };
        match value {
            Value::String(s)
                if ty.is_some_and(|t| self.kind(t.named()) == "ENUM")
                    && s.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
            {
                s.clone()
            }
            Value::Array(items) => {
                let item_ty = ty.and_then(inner);
                let items: Vec<String> = items
                    .iter()
                    .map(|v| self.literal(v, item_ty.as_ref().or(ty)))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            Value::Object(map) => {
                let fields = ty.and_then(|t| self.input_fields.get(t.named()));
                let items: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        let field_ty = fields
                            .and_then(|fs| fs.iter().find(|(f, _)| f == k))
                            .map(|(_, t)| t);
                        format!("{k}: {}", self.literal(v, field_ty))
                    })
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            other => other.to_string(),
        }
    }
}

/// What a wrong value must answer, beyond "not INTERNAL".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// BAD_USER_INPUT naming the position (a value of the wrong type).
    Field,
    /// Nothing more: a malformed string of the right JSON type, which the resolver judges
    /// after the caller's permission and the other arguments.
    NotInternal,
}

#[derive(Debug, Clone)]
enum Seg {
    Name(String),
    Index(usize),
}

/// The field as the API names it: relative to a mutation's `input`, indices in brackets.
fn api_field(argument: &str, path: &[Seg]) -> String {
    let mut out = String::new();
    if argument != "input" || path.is_empty() {
        out.push_str(argument);
    }
    for seg in path {
        match seg {
            Seg::Name(n) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(n);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------

async fn post(
    client: &reqwest::Client,
    server: &Server,
    query: &str,
    variables: &Value,
) -> (u16, Value) {
    let res = client
        .post(format!("{}/graphql", server.address))
        .bearer_auth(&server.token)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

struct Probe {
    what: String,
    query: String,
    variables: Value,
    field: String,
    expect: Expect,
}

fn probes(schema: &Schema) -> Vec<Probe> {
    let mut out = Vec::new();
    for root in &schema.roots {
        for (arg, arg_ty) in &root.args {
            for (path, bad, expect) in schema.wrong_values(arg_ty, &mut Vec::new()) {
                let mut values: Vec<(String, Ty, Value)> = root
                    .args
                    .iter()
                    .filter(|(name, ty)| name == arg || matches!(ty, Ty::NonNull(_)))
                    .map(|(name, ty)| (name.clone(), ty.clone(), schema.sample(ty)))
                    .collect();
                for (name, ty, value) in &mut values {
                    if name == arg {
                        schema.put(value, ty, &path, bad.clone());
                    }
                }
                let selection = if root.returns_object {
                    " { __typename }"
                } else {
                    ""
                };
                let field = api_field(arg, &path);
                let what = format!("{}.{}({field}: {bad})", root.operation, root.name);
                // In variables.
                let declared: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty, _))| format!("$v{i}: {}", ty.sdl()))
                    .collect();
                let passed: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _, _))| format!("{name}: $v{i}"))
                    .collect();
                let variables: Map<String, Value> = values
                    .iter()
                    .enumerate()
                    .map(|(i, (_, _, v))| (format!("v{i}"), v.clone()))
                    .collect();
                let head = if declared.is_empty() {
                    root.operation.to_owned()
                } else {
                    format!("{}({})", root.operation, declared.join(", "))
                };
                out.push(Probe {
                    what: format!("{what} in variables"),
                    query: format!(
                        "{head} {{ {}({}){selection} }}",
                        root.name,
                        passed.join(", ")
                    ),
                    variables: Value::Object(variables),
                    field: field.clone(),
                    expect,
                });
                // Inline.
                let inline: Vec<String> = values
                    .iter()
                    .map(|(name, ty, v)| format!("{name}: {}", schema.literal(v, Some(ty))))
                    .collect();
                out.push(Probe {
                    what: format!("{what} inline"),
                    query: format!(
                        "{} {{ {}({}){selection} }}",
                        root.operation,
                        root.name,
                        inline.join(", ")
                    ),
                    variables: json!({}),
                    field,
                    expect,
                });
            }
        }
    }
    out
}

fn check(probe: &Probe, status: u16, body: &Value) -> Option<String> {
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    let codes: Vec<&str> = errors
        .iter()
        .map(|e| e["extensions"]["code"].as_str().unwrap_or("(no code)"))
        .collect();
    if status >= 500 || codes.contains(&"INTERNAL") || codes.contains(&"(no code)") {
        return Some(format!("{}: {status} {body}", probe.what));
    }
    let names = |e: &Value, field: &str| {
        e["extensions"]["code"] == "BAD_USER_INPUT"
            && e["extensions"]["field"] == field
            && e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(&format!("{field}: ")))
    };
    if probe.expect != Expect::NotInternal {
        let named = errors.iter().any(|e| names(e, &probe.field));
        if !named {
            return Some(format!(
                "{}: expected BAD_USER_INPUT on `{}`: {status} {body}",
                probe.what, probe.field
            ));
        }
    }
    None
}

#[tokio::test]
async fn no_wrong_input_anywhere_in_the_schema_answers_internal_or_logs_an_error() {
    let server = start_server().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let schema = introspect(&client, &server).await;
    assert!(
        schema.roots.iter().any(|r| r.name == "recordMeasurements"),
        "the walk covers the mutations"
    );
    let probes = probes(&schema);
    let fields: HashSet<&str> = probes.iter().map(|p| p.field.as_str()).collect();
    assert!(
        probes.len() > 1_000 && fields.contains("measurements[0].observedAt"),
        "the walk reaches nested input fields ({} probes)",
        probes.len()
    );

    let failures: Vec<String> = futures_util::stream::iter(probes.iter())
        .map(|probe| {
            let client = &client;
            let server = &server;
            async move {
                let (status, body) = post(client, server, &probe.query, &probe.variables).await;
                check(probe, status, &body)
            }
        })
        .buffer_unordered(8)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} of {} probes failed; the first ones:\n{}",
        failures.len(),
        probes.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The server is still up, and its log says what it refused and holds no ERROR line.
    let (_, alive) = post(&client, &server, "{ viewer { role } }", &json!({})).await;
    assert_eq!(alive["data"]["viewer"]["role"], "ADMIN", "{alive}");
    let log = std::fs::read_to_string(&server.log).expect("the server's log");
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let finished = lines
        .iter()
        .filter(|l| {
            let line = l.to_string();
            line.contains("request finished") || line.contains("request refused")
        })
        .count();
    assert!(
        finished > probes.len(),
        "the log is captured: {finished} requests logged for {} probes",
        probes.len()
    );
    let errors: Vec<&Value> = lines.iter().filter(|l| l["level"] == "ERROR").collect();
    assert!(
        errors.is_empty(),
        "{} ERROR lines, the first ones: {:?}",
        errors.len(),
        errors.iter().take(5).collect::<Vec<_>>()
    );
}
