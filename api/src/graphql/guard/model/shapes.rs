//! The shape of every field the cost model needs, read from the schema's own SDL: what it
//! returns (named type, list or not) and its arguments with their defaults.

use std::collections::HashMap;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use async_graphql::{Name, Value};

/// One argument of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgShape {
    /// The argument's type as written in the SDL (`Int`, `[ID!]!`, …).
    pub ty: String,
    /// Its default, when it has an integer one.
    pub default: Option<i64>,
}

/// What one field returns and takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldShape {
    /// The named type it returns, lists and non-null stripped.
    pub named: String,
    /// Whether it returns a list.
    pub list: bool,
    /// Its arguments by name.
    pub args: HashMap<String, ArgShape>,
}

impl FieldShape {
    /// A connection: a `*Connection` object whose items are counted by the page asked for.
    pub fn is_connection(&self) -> bool {
        !self.list && is_connection_type(&self.named)
    }
}

/// Whether a type is a Relay connection, by the naming every connection here follows (a
/// test holds every `*Connection` type to the shape: `edges`, `nodes`, `pageInfo`).
pub fn is_connection_type(name: &str) -> bool {
    name.ends_with("Connection")
}

/// The fields of every object and interface type, and the root types.
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    types: HashMap<String, HashMap<String, FieldShape>>,
    query: String,
    mutation: String,
    subscription: String,
}

impl Shapes {
    /// The shapes of the schema printed as `sdl`. An SDL the parser refuses gives no shapes,
    /// and every field would then cost as a plain object with no page multiplied: the
    /// model's tests cost every connection of the real schema through these shapes, so such
    /// an SDL cannot ship unnoticed.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut shapes = Self {
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
            ..Self::default()
        };
        let Ok(doc) = parse_schema(sdl) else {
            return shapes;
        };
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    let name = |n: Option<async_graphql::Positioned<Name>>, or: &str| {
                        n.map_or_else(|| or.to_owned(), |n| n.node.to_string())
                    };
                    shapes.query = name(s.query, &shapes.query);
                    shapes.mutation = name(s.mutation, &shapes.mutation);
                    shapes.subscription = name(s.subscription, &shapes.subscription);
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let fields = match t.kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        _ => continue,
                    };
                    let fields = fields
                        .into_iter()
                        .map(|f| {
                            let f = f.node;
                            let (named, list) = unwrap_type(&f.ty.node);
                            let args = f
                                .arguments
                                .into_iter()
                                .map(|a| {
                                    let a = a.node;
                                    let default = a.default_value.and_then(|d| match d.node {
                                        Value::Number(n) => n.as_i64(),
                                        _ => None,
                                    });
                                    let arg = ArgShape {
                                        ty: a.ty.node.to_string(),
                                        default,
                                    };
                                    (a.name.node.to_string(), arg)
                                })
                                .collect();
                            let shape = FieldShape { named, list, args };
                            (f.name.node.to_string(), shape)
                        })
                        .collect();
                    shapes.types.insert(t.name.node.to_string(), fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        shapes
    }

    /// The field `field` of type `ty`, if the schema has it.
    pub fn field(&self, ty: &str, field: &str) -> Option<&FieldShape> {
        self.types.get(ty)?.get(field)
    }

    /// Every field of every object and interface type, as `(type, field, shape)`.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str, &FieldShape)> {
        self.types.iter().flat_map(|(ty, fields)| {
            fields
                .iter()
                .map(move |(name, shape)| (ty.as_str(), name.as_str(), shape))
        })
    }

    /// The names of the object and interface types.
    pub fn type_names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }

    /// The root type of queries, mutations or subscriptions.
    pub fn root(&self, op: async_graphql::parser::types::OperationType) -> &str {
        use async_graphql::parser::types::OperationType;
        match op {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        }
    }
}

/// The named type under any lists and non-nulls, and whether there was a list.
fn unwrap_type(ty: &Type) -> (String, bool) {
    match &ty.base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (unwrap_type(inner).0, true),
    }
}
