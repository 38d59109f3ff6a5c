//! The walk: one probe per wrong value, in variables and inline, and what each must answer.

use serde_json::{Map, Value, json};

use super::schema::{Schema, Ty};
use super::values::{Expect, api_field};

pub(super) struct Probe {
    pub(super) what: String,
    pub(super) query: String,
    pub(super) variables: Value,
    pub(super) field: String,
    pub(super) expect: Expect,
}

pub(super) fn probes(schema: &Schema) -> Vec<Probe> {
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

pub(super) fn check(probe: &Probe, status: u16, body: &Value) -> Option<String> {
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
