//! Finds, inside an argument's value, the position that does not fit its type, using the
//! schema's own SDL. Needed where async-graphql's validation is laxer than its parsing (an
//! `Int` out of the 32-bit range, a non-object where an input object is expected): the
//! parse error names neither the argument nor the field.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_graphql::Value as ConstValue;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

/// Argument and input-field types, by root field and by input object.
#[derive(Debug, Default)]
struct InputTypes {
    /// `field name -> argument name -> type`, for the query and mutation roots.
    roots: HashMap<String, HashMap<String, Type>>,
    /// `input object -> field name -> (type, has a default)`.
    objects: HashMap<String, Vec<(String, Type, bool)>>,
}

static TYPES: LazyLock<InputTypes> = LazyLock::new(|| InputTypes::from_sdl(&super::super::sdl()));

impl InputTypes {
    fn from_sdl(sdl: &str) -> Self {
        let mut out = Self::default();
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return out;
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(def) = def else {
                continue;
            };
            let def = def.node;
            match def.kind {
                TypeKind::Object(object)
                    if matches!(def.name.node.as_str(), "Query" | "Mutation") =>
                {
                    for field in object.fields {
                        let args = field
                            .node
                            .arguments
                            .into_iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                            .collect();
                        out.roots.insert(field.node.name.node.to_string(), args);
                    }
                }
                TypeKind::InputObject(object) => {
                    let fields = object
                        .fields
                        .into_iter()
                        .map(|f| {
                            (
                                f.node.name.node.to_string(),
                                f.node.ty.node,
                                f.node.default_value.is_some(),
                            )
                        })
                        .collect();
                    out.objects.insert(def.name.node.to_string(), fields);
                }
                _ => {}
            }
        }
        out
    }

    /// The path (`measurements.0.value`, relative to the argument) and the expected type of
    /// the first position of `value` that does not fit.
    fn misfit(&self, ty: &Type, value: &ConstValue) -> Option<(String, String)> {
        if matches!(value, ConstValue::Null) {
            return (!ty.nullable).then(|| (String::new(), base_name(ty)));
        }
        match &ty.base {
            BaseType::List(inner) => match value {
                ConstValue::List(items) => items.iter().enumerate().find_map(|(i, item)| {
                    self.misfit(inner, item)
                        .map(|(path, t)| (join(&i.to_string(), &path), t))
                }),
                single => self.misfit(inner, single),
            },
            BaseType::Named(name) => {
                let name = name.as_str();
                if name == "Int" {
                    let fits = matches!(value, ConstValue::Number(n)
                        if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()));
                    return (!fits).then(|| (String::new(), name.to_owned()));
                }
                let fields = self.objects.get(name)?;
                let ConstValue::Object(map) = value else {
                    return Some((String::new(), name.to_owned()));
                };
                fields
                    .iter()
                    .find_map(|(field, ty, has_default)| match map.get(field.as_str()) {
                        Some(v) => self.misfit(ty, v).map(|(path, t)| (join(field, &path), t)),
                        None if !ty.nullable && !has_default => {
                            Some((field.clone(), base_name(ty)))
                        }
                        None => None,
                    })
            }
        }
    }
}

fn base_name(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => format!("[{}]", base_name(inner)),
    }
}

fn join(head: &str, tail: &str) -> String {
    if tail.is_empty() {
        head.to_owned()
    } else {
        format!("{head}.{tail}")
    }
}

/// Where `value`, given to argument `argument` of root field `field`, does not fit: the
/// async-graphql-style path (`input.measurements.0.value`) and the expected type.
pub(super) fn misfit(field: &str, argument: &str, value: &ConstValue) -> Option<(String, String)> {
    let ty = TYPES.roots.get(field)?.get(argument)?;
    TYPES
        .misfit(ty, value)
        .map(|(path, t)| (join(argument, &path), t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_position_that_does_not_fit_is_found() {
        let value = |v: serde_json::Value| ConstValue::from_json(v).expect("a value");
        assert_eq!(
            misfit(
                "recordMeasurements",
                "input",
                &value(serde_json::json!({
                    "agreementId": "x",
                    "expectedVersion": 1_u64 << 40,
                    "measurements": []
                }))
            ),
            Some(("input.expectedVersion".to_owned(), "Int".to_owned()))
        );
        assert_eq!(
            misfit(
                "contacts",
                "filter",
                &value(serde_json::json!({"account": "x"}))
            ),
            Some(("filter.account".to_owned(), "AccountFilter".to_owned()))
        );
        assert_eq!(
            misfit("contacts", "first", &value(serde_json::json!(5))),
            None
        );
    }
}
