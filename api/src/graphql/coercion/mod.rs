//! Input coercion failures are the client's: every one becomes `BAD_USER_INPUT` naming the
//! argument or input field, never `INTERNAL`.
//!
//! async-graphql reports a wrong input value in two places. While validating the document it
//! checks every argument (variables substituted) against its type with the scalars'
//! `is_valid` (see `scalars`), and says `Invalid value for argument "input.measurements.0.value",
//! expected type "Decimal"`: the path is there, the code is not. During execution a scalar's
//! `parse` can still fail (or a required variable be missing); that error carries only the
//! position of the argument in the document, so the argument is found again from it.
//!
//! Field paths follow the API's convention (`ApiError::BadUserInput`): relative to a
//! mutation's `input` argument, list indices in brackets (`measurements[0].value`); any other
//! argument keeps its name (`filter.search`, `ids[2]`).

mod locate;

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Pos, ServerError, Value as ConstValue, Variables};

/// A coercion failure, in the API's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    /// The argument or input field, in the API's path convention.
    pub field: String,
    /// What is wrong, starting with the field.
    pub message: String,
}

const INVALID_ARGUMENT: &str = "Invalid value for argument ";
const INVALID_DEFAULT: &str = "Invalid default value for argument: ";

/// Classifies an error that has no code yet. `query` and `variables` are the request's,
/// looked at again only when a failure has to be traced back to its argument.
pub fn classify(err: &ServerError, query: &str, variables: &Variables) -> Option<BadInput> {
    if let Some(rest) = err
        .message
        .strip_prefix(INVALID_ARGUMENT)
        .or_else(|| err.message.strip_prefix(INVALID_DEFAULT))
    {
        return from_validation(rest);
    }
    if !is_execution_coercion(&err.message) {
        return None;
    }
    // During execution the position is the argument's value; while validating (the complexity
    // of a connection reads `first` and `last`) it is the field's.
    let found = err
        .locations
        .first()
        .and_then(|pos| argument_at(query, *pos, variables));
    if let Some((field, argument, Some(value))) = &found
        && let Some((path, ty)) = locate::misfit(field, argument, value)
    {
        let field = api_path(&path);
        let message = format!("{field}: must be {}", hint(&ty));
        return Some(BadInput { field, message });
    }
    let argument = found.map_or_else(|| "input".to_owned(), |(_, argument, _)| argument);
    let field = api_path(&argument);
    let message = if let Some(rest) = err.message.strip_prefix("Variable ") {
        format!(
            "{field}: the variable ${} has no value",
            rest.trim_end_matches(" is not defined.")
        )
    } else {
        format!("{field}: {}", err.message)
    };
    Some(BadInput { field, message })
}

/// The messages async-graphql gives a value that fails to become its input type.
fn is_execution_coercion(message: &str) -> bool {
    message.starts_with("Failed to parse \"")
        || message.starts_with("Expected input type \"")
        || message.contains("(occurred while parsing \"")
        || (message.starts_with("Variable ") && message.ends_with(" is not defined."))
}

/// `"input.measurements.0.value", expected type "Decimal"` and its kin.
fn from_validation(rest: &str) -> Option<BadInput> {
    let rest = rest.strip_prefix('"')?;
    let (path, reason) = rest.split_once("\", ")?;
    let mut field = api_path(path.trim_start_matches('$'));
    let what = if let Some(ty) = quoted_after(reason, "expected type \"") {
        format!("must be {}", hint(ty))
    } else if let Some(missing) = quoted_after(reason, "field \"")
        .filter(|_| reason.ends_with("is required but not provided"))
    {
        field = join(&field, missing);
        "is required".to_owned()
    } else if let Some(unknown) = quoted_after(reason, "unknown field \"") {
        field = join(&field, unknown);
        "is not an input field here".to_owned()
    } else {
        reason.to_owned()
    };
    let message = format!("{field}: {what}");
    Some(BadInput { field, message })
}

fn quoted_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(prefix)?;
    rest.split_once('"').map(|(inside, _)| inside)
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() || parent == "input" {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// `input.measurements.0.value` becomes `measurements[0].value`; `ids.2` becomes `ids[2]`.
fn api_path(path: &str) -> String {
    let mut segments = path.split('.').peekable();
    if segments.peek() == Some(&"input") && path.contains('.') {
        segments.next();
    }
    let mut out = String::new();
    for segment in segments {
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(segment);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// What a value of a named type looks like, for the message.
fn hint(ty: &str) -> String {
    match ty {
        "Decimal" => "an exact decimal as a string (\"120.50\") or a JSON integer; send a \
                      decimal with a fraction as a string, not as a JSON number"
            .to_owned(),
        "DateTime" => {
            "an RFC 3339 date and time with an offset, like \"2026-11-22T09:30:00Z\"".to_owned()
        }
        "Date" => "a date as a string, like \"2026-11-22\"".to_owned(),
        "EmailAddress" => "an email address as a string".to_owned(),
        "PhoneNumber" => {
            "a phone number as a string in E.164 form, like \"+33612345678\"".to_owned()
        }
        "ID" => "an id as a string".to_owned(),
        "String" => "a string".to_owned(),
        "Int" => "an integer from -2147483648 to 2147483647".to_owned(),
        "Float" => "a number".to_owned(),
        "Boolean" => "true or false".to_owned(),
        other => format!("a value of type {other}"),
    }
}

/// The root field, the argument whose value starts at `pos` and that value (variables put
/// in) or, when `pos` is a field's, the argument of that field that is out of the `Int`
/// range (or its only argument).
fn argument_at(
    query: &str,
    pos: Pos,
    variables: &Variables,
) -> Option<(String, String, Option<ConstValue>)> {
    let doc: ExecutableDocument = async_graphql::parser::parse_query(query).ok()?;
    let fields: Vec<(Pos, &Field)> = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node))
        .flat_map(|set| {
            let mut found = Vec::new();
            collect_fields(set, pos, &mut found);
            found
        })
        .collect();
    for (field_pos, field) in fields {
        let resolved = |i: usize| resolve(field, i, variables);
        let chosen = if let Some(i) = field.arguments.iter().position(|(_, v)| v.pos == pos) {
            Some(i)
        } else if field_pos == pos {
            (0..field.arguments.len())
                .find(|i| {
                    matches!(resolved(*i), Some(ConstValue::Number(n))
                        if n.as_i64().is_none_or(|i| i32::try_from(i).is_err()))
                })
                .or_else(|| (field.arguments.len() == 1).then_some(0))
        } else {
            None
        };
        if let Some(i) = chosen {
            return Some((
                field.name.node.to_string(),
                field.arguments[i].0.node.to_string(),
                resolved(i),
            ));
        }
    }
    None
}

/// The value of the `i`th argument of `field`, variables put in.
fn resolve(field: &Field, i: usize, variables: &Variables) -> Option<ConstValue> {
    field.arguments[i]
        .1
        .node
        .clone()
        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
        .ok()
}

/// Every field of `set` (nested ones too) that is at `pos` or has an argument value there.
fn collect_fields<'a>(set: &'a SelectionSet, pos: Pos, found: &mut Vec<(Pos, &'a Field)>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                if field.pos == pos || field.node.arguments.iter().any(|(_, v)| v.pos == pos) {
                    found.push((field.pos, &field.node));
                }
                collect_fields(&field.node.selection_set.node, pos, found);
            }
            Selection::InlineFragment(inline) => {
                collect_fields(&inline.node.selection_set.node, pos, found);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validation(message: &str) -> ServerError {
        ServerError::new(message, Some(Pos { line: 1, column: 1 }))
    }

    #[test]
    fn a_wrong_argument_value_names_the_input_field_in_the_api_convention() {
        let cases = [
            (
                r#"Invalid value for argument "input.measurements.0.value", expected type "Decimal""#,
                "measurements[0].value",
                "JSON integer",
            ),
            (
                r#"Invalid value for argument "input.measurements.1.observedAt", expected type "DateTime""#,
                "measurements[1].observedAt",
                "RFC 3339",
            ),
            (
                r#"Invalid value for argument "input", expected type "RecordMeasurementsInput""#,
                "input",
                "RecordMeasurementsInput",
            ),
            (
                r#"Invalid value for argument "ids.2", expected type "ID""#,
                "ids[2]",
                "an id",
            ),
            (
                r#"Invalid value for argument "filter.search", expected type "String""#,
                "filter.search",
                "a string",
            ),
            (
                r#"Invalid value for argument "input", field "name" of type "String!" is required but not provided"#,
                "name",
                "is required",
            ),
            (
                r#"Invalid value for argument "input.phones.0", unknown field "nmber" of type "PhoneInput""#,
                "phones[0].nmber",
                "not an input field",
            ),
            (
                r#"Invalid value for argument "input.kind", enumeration type "AccountKind" does not contain the value "SHIP""#,
                "kind",
                "SHIP",
            ),
        ];
        for (message, field, says) in cases {
            let bad =
                classify(&validation(message), "{ x }", &Variables::default()).expect(message);
            assert_eq!(bad.field, field, "{message}");
            assert!(bad.message.starts_with(&format!("{field}: ")), "{bad:?}");
            assert!(bad.message.contains(says), "{bad:?}");
        }
    }

    #[test]
    fn an_execution_time_coercion_failure_is_traced_back_to_its_argument() {
        let query = "mutation($v: Decimal) {\n  a: record(first: 1, value: $v) { id }\n}";
        let mut err = ServerError::new(
            r#"Failed to parse "Decimal": send a string"#,
            Some(Pos {
                line: 2,
                column: 30,
            }),
        );
        err.path = vec![async_graphql::PathSegment::Field("a".into())];
        let bad = classify(&err, query, &Variables::default()).expect("classified");
        assert_eq!(bad.field, "value");

        err.message = "Variable v is not defined.".into();
        let bad = classify(&err, query, &Variables::default()).expect("classified");
        assert_eq!(bad.message, "value: the variable $v has no value");
    }

    #[test]
    fn an_int_out_of_range_found_while_validating_names_its_argument() {
        let query = "query($n: Int) {\n  accounts(after: \"x\", first: $n) { id }\n}";
        let err = ServerError::new(
            r#"Failed to parse "Int": Only integers from -2147483648 to 2147483647 are accepted."#,
            Some(Pos { line: 2, column: 3 }),
        );
        let variables = Variables::from_json(serde_json::json!({"n": 1_u64 << 40}));
        let bad = classify(&err, query, &variables).expect("classified");
        assert_eq!(bad.field, "first");
        assert!(
            bad.message.starts_with("first: must be an integer"),
            "{bad:?}"
        );
    }

    #[test]
    fn other_errors_are_left_alone() {
        assert_eq!(
            classify(
                &validation("Unknown field \"x\""),
                "{ x }",
                &Variables::default()
            ),
            None
        );
        let mut resolver = ServerError::new("the store is down", None);
        resolver.path = vec![async_graphql::PathSegment::Field("a".into())];
        assert_eq!(classify(&resolver, "{ a }", &Variables::default()), None);
    }
}
