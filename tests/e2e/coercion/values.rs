//! Values: a plausible one for every type, and wrong ones for every position.

use serde_json::{Value, json};

use super::schema::{Schema, Ty};

impl Schema {
    fn kind(&self, name: &str) -> &str {
        self.kinds.get(name).map_or("", String::as_str)
    }

    /// A value of the right type: required input fields filled, lists of one.
    pub(super) fn sample(&self, ty: &Ty) -> Value {
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
    pub(super) fn wrong_values(
        &self,
        ty: &Ty,
        seen: &mut Vec<String>,
    ) -> Vec<(Vec<Seg>, Value, Expect)> {
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
    pub(super) fn put(&self, value: &mut Value, ty: &Ty, path: &[Seg], bad: Value) {
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
    pub(super) fn literal(&self, value: &Value, ty: Option<&Ty>) -> String {
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
pub(super) enum Expect {
    /// BAD_USER_INPUT naming the position (a value of the wrong type).
    Field,
    /// Nothing more: a malformed string of the right JSON type, which the resolver judges
    /// after the caller's permission and the other arguments.
    NotInternal,
}

#[derive(Debug, Clone)]
pub(super) enum Seg {
    Name(String),
    Index(usize),
}

/// The field as the API names it: relative to a mutation's `input`, indices in brackets.
pub(super) fn api_field(argument: &str, path: &[Seg]) -> String {
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
