//! The filters of an export are the filter inputs of the GraphQL lists (`accounts`,
//! `contacts`, `agreements`, `serviceCredits`), given as JSON in the same shape. The JSON is
//! checked against the input type as GraphQL's validation would (unknown fields, enum values,
//! scalar kinds), each refusal naming its field (`filter.account.relationshipType`), then
//! parsed and turned into the store query by the very code the lists use. Values that came as
//! text (URL query parameters) are read as the field's type: `true`, `12`, `A,B` for a list.

use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{InputType, Pos};
use chrono::NaiveDate;
use serde_json::Value;

use super::account::AccountFilter;
use super::contact::ContactFilter;
use super::filters::{AgreementFilter, CreditFilter};
use crate::export::{ExportKind, ExportQuery};

/// A filter refused, with the path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FilterRefusal {
    /// The field, as `filter.account.status`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

fn refuse(field: &str, message: impl Into<String>) -> FilterRefusal {
    FilterRefusal {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The store query of `kind`'s export for the filter `raw` (none: every row in scope).
///
/// # Errors
/// A field that the list's filter does not have, a value of the wrong type, or a value the
/// list refuses (a bad id, an empty `statusIn`, …), naming the field.
pub fn query(
    kind: ExportKind,
    raw: Option<Value>,
    today: NaiveDate,
) -> Result<ExportQuery, FilterRefusal> {
    let from_list = |e: async_graphql::Error| {
        let field = e
            .extensions
            .as_ref()
            .and_then(|x| x.get("field"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "filter".to_owned());
        refuse(&field, e.message)
    };
    Ok(match kind {
        ExportKind::Accounts => ExportQuery::Accounts(
            parse::<AccountFilter>(raw)?
                .into_query("filter.", today)
                .map_err(from_list)?,
        ),
        ExportKind::Contacts => ExportQuery::Contacts(
            parse::<ContactFilter>(raw)?
                .into_query(today)
                .map_err(from_list)?,
        ),
        ExportKind::Agreements => ExportQuery::Agreements(
            parse::<AgreementFilter>(raw)?
                .into_query("filter.")
                .map_err(from_list)?,
        ),
        ExportKind::Measurements => ExportQuery::Measurements(
            parse::<CreditFilter>(raw)?
                .into_query("filter.")
                .map_err(from_list)?,
        ),
        ExportKind::Credits => ExportQuery::Credits(
            parse::<CreditFilter>(raw)?
                .into_query("filter.")
                .map_err(from_list)?,
        ),
    })
}

fn parse<T: InputType + Default>(raw: Option<Value>) -> Result<T, FilterRefusal> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(T::default());
    };
    let mut registry = Registry::default();
    T::create_type_info(&mut registry);
    let checked = check(&registry, &T::type_name(), raw, "filter")?;
    let value = async_graphql::Value::from_json(checked)
        .map_err(|e| refuse("filter", format!("is not a filter: {e}")))?;
    T::parse(Some(value)).map_err(|e| refuse("filter", e.into_server_error(Pos::default()).message))
}

/// `value` checked against the GraphQL type `ty` (and text read as that type), or the refusal
/// naming `path`.
fn check(registry: &Registry, ty: &str, value: Value, path: &str) -> Result<Value, FilterRefusal> {
    if value.is_null() {
        return Ok(value);
    }
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => check(registry, inner, value, path),
        MetaTypeName::List(inner) => {
            let items = match value {
                Value::Array(items) => items,
                Value::String(text) => text
                    .split(',')
                    .map(|s| Value::String(s.trim().to_owned()))
                    .collect(),
                other => return Err(refuse(path, format!("expected a list, found {other}"))),
            };
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| check(registry, inner, v, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        MetaTypeName::Named(name) => named(registry, name, value, path),
    }
}

fn named(
    registry: &Registry,
    name: &str,
    value: Value,
    path: &str,
) -> Result<Value, FilterRefusal> {
    match registry.types.get(name) {
        Some(MetaType::InputObject { input_fields, .. }) => {
            let Value::Object(fields) = value else {
                return Err(refuse(
                    path,
                    format!("expected an object ({name}), found {value}"),
                ));
            };
            let mut out = serde_json::Map::new();
            for (key, v) in fields {
                let Some(field) = input_fields.get(&key) else {
                    let known: Vec<&str> = input_fields.keys().map(String::as_str).collect();
                    return Err(refuse(
                        &format!("{path}.{key}"),
                        format!("is not a field of {name} (known: {})", known.join(", ")),
                    ));
                };
                let checked = check(registry, &field.ty, v, &format!("{path}.{key}"))?;
                out.insert(key, checked);
            }
            Ok(Value::Object(out))
        }
        Some(MetaType::Enum { enum_values, .. }) => match &value {
            Value::String(s) if enum_values.contains_key(s) => Ok(value),
            _ => {
                let known: Vec<&str> = enum_values.keys().map(String::as_str).collect();
                Err(refuse(
                    path,
                    format!("{value} is not one of {}", known.join(", ")),
                ))
            }
        },
        _ => scalar(name, value, path),
    }
}

fn scalar(name: &str, value: Value, path: &str) -> Result<Value, FilterRefusal> {
    match (name, value) {
        ("Boolean", Value::String(s)) => match s.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(refuse(path, format!("\"{s}\" is not true or false"))),
        },
        ("Boolean", v @ Value::Bool(_)) => Ok(v),
        ("Int", Value::String(s)) => s
            .parse::<i32>()
            .map(Value::from)
            .map_err(|_| refuse(path, format!("\"{s}\" is not a whole number"))),
        ("Int", v @ Value::Number(_)) => Ok(v),
        (_, v @ Value::String(_)) => Ok(v),
        (name, v) => Err(refuse(path, format!("expected {name}, found {v}"))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::ContactQuery;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date")
    }

    fn refusal(kind: ExportKind, raw: Value) -> FilterRefusal {
        query(kind, Some(raw), today()).expect_err("refused")
    }

    #[test]
    fn a_contact_filter_reads_as_the_graphql_list_reads_it() {
        let q = query(
            ExportKind::Contacts,
            Some(json!({"search": "ada", "emailConsent": "SUBSCRIBED",
                        "account": {"relationshipType": "CLIENT", "withoutAgreementInForce": "true"}})),
            today(),
        )
        .expect("a filter");
        let ExportQuery::Contacts(ContactQuery {
            search,
            consent,
            account_filter: Some(account),
            ..
        }) = q
        else {
            panic!("a contact query with an account filter: {q:?}");
        };
        assert_eq!(search.as_deref(), Some("ada"));
        assert_eq!(consent.map(|c| c.as_str()), Some("SUBSCRIBED"));
        assert_eq!(account.without_agreement_in_force, Some(true));
        assert!(account.relationship.is_some());
    }

    #[test]
    fn a_bad_filter_is_refused_naming_the_field() {
        let cases = [
            (ExportKind::Contacts, json!({"nope": 1}), "filter.nope"),
            (
                ExportKind::Contacts,
                json!({"emailConsent": "MAYBE"}),
                "filter.emailConsent",
            ),
            (
                ExportKind::Contacts,
                json!({"account": {"relationshipType": "FRIEND"}}),
                "filter.account.relationshipType",
            ),
            (
                ExportKind::Accounts,
                json!({"withoutAgreementInForce": "perhaps"}),
                "filter.withoutAgreementInForce",
            ),
            (
                ExportKind::Accounts,
                json!({"accountManagerId": "not-an-id"}),
                "filter.accountManagerId",
            ),
            (
                ExportKind::Agreements,
                json!({"statusIn": []}),
                "filter.statusIn",
            ),
            (
                ExportKind::Credits,
                json!({"periodStart": {"from": "yesterday"}}),
                "filter.periodStart.from",
            ),
            (ExportKind::Contacts, json!("search"), "filter"),
        ];
        for (kind, raw, field) in cases {
            let refused = refusal(kind, raw.clone());
            assert_eq!(refused.field, field, "{raw}: {refused}");
        }
    }
}
