//! The cost model for data queries: how many objects an operation's answer can hold.
//!
//! Every object in the answer costs 1; scalars and enums cost nothing. A connection costs
//! itself, plus its page — `first` or `last`, or the default page size (20) when neither is
//! given — times what one item of the page costs (`nodes` and `edges` each count their items;
//! an edge is an object and so is its `node`). Costs multiply down the path: a connection
//! inside a page is paid for once per item of that page. A list that is not a connection is
//! either sized by an argument (`nodes(ids:)` by its ids, `resyncs(first:)` by `first`) or a
//! part of one record (an agreement's metrics or reviews, a contact's phones …, whose length
//! the record has, not the client) and counts as one item. Aliases count every time they
//! are written; fragments count where they are spread; fields under `__schema` and `__type`
//! cost nothing (introspection has its own depth bound and the schema is small and fixed).
//! Inline fragments on different types are all counted, so the cost is an upper bound.
//!
//! This is GitHub's node-count model with each object counted, chosen over async-graphql's
//! field count (every field 1, a page multiplying its whole selection): that one charges a
//! scalar like a page of rows, so a dashboard of 20 accounts × their agreements × 12 credits
//! each, which asks for a few dates and names per row, cost tens of thousands and was refused
//! while it returns a few thousand objects. What a request costs the server — rows loaded,
//! objects resolved and serialized — grows with objects, not with the scalars on them. The
//! default page size stays 20 at every level: the cost counts what the resolver returns, and
//! a page size that changed with nesting would surprise every client that leaves `first` out.

mod shapes;

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Name, Value};

pub use shapes::{ArgShape, FieldShape, Shapes, is_connection_type};

use super::cost::dependency_order;
use crate::graphql::pagination::{DEFAULT_PAGE, MAX_PAGE};

/// Lists that are not connections but whose length the client chooses: the type, the field,
/// and how the length is read.
pub const SIZED_LISTS: &[(&str, &str, Sizing)] = &[
    ("Query", "nodes", Sizing::LengthOf("ids")),
    ("Query", "resyncs", Sizing::Count("first")),
];

/// How a sized list's length is read from its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    /// The length of this list argument.
    LengthOf(&'static str),
    /// The value of this integer argument (or its default).
    Count(&'static str),
}

/// What a selection set costs on one object: `fixed`, plus `per_item` for every item of the
/// page when the set is selected on a connection (its `edges` and `nodes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct SetCost {
    fixed: u64,
    per_item: u64,
}

impl SetCost {
    fn add(self, other: Self) -> Self {
        Self {
            fixed: self.fixed.saturating_add(other.fixed),
            per_item: self.per_item.saturating_add(other.per_item),
        }
    }

    /// The cost on a connection whose page holds `items`.
    fn with_page(self, items: u64) -> u64 {
        self.fixed
            .saturating_add(self.per_item.saturating_mul(items))
    }
}

/// The cost of the operation `operation` of `doc` (or, when it names none or one the
/// document lacks, of its costliest operation), with `variables` for arguments given as
/// variables. Saturates at `u64::MAX`; a document whose fragments spread one another in a
/// cycle (which the guard refuses before costing) costs `u64::MAX`.
pub fn object_cost(
    shapes: &Shapes,
    doc: &ExecutableDocument,
    variables: &Variables,
    operation: Option<&str>,
) -> u64 {
    let chosen: Vec<_> = doc
        .operations
        .iter()
        .filter(|(name, _)| operation.is_none_or(|o| name.is_some_and(|n| n.as_str() == o)))
        .collect();
    let ops = if chosen.is_empty() {
        doc.operations.iter().collect()
    } else {
        chosen
    };
    ops.into_iter()
        .map(|(_, op)| {
            // Variables not sent take their defaults, from the operation that runs.
            let mut vars: HashMap<Name, Value> = op
                .node
                .variable_definitions
                .iter()
                .filter_map(|d| {
                    let d = &d.node;
                    let default = d.default_value.as_ref()?.node.clone();
                    Some((d.name.node.clone(), default))
                })
                .collect();
            vars.extend(variables.iter().map(|(k, v)| (k.clone(), v.clone())));
            let Some(pricer) = Pricer::new(shapes, doc, vars) else {
                return u64::MAX;
            };
            let root = shapes.root(op.node.ty);
            pricer
                .set_cost(&op.node.selection_set.node, Some(root))
                .with_page(1)
        })
        .max()
        .unwrap_or(0)
}

/// Costs selection sets, each fragment costed once.
struct Pricer<'a> {
    shapes: &'a Shapes,
    vars: HashMap<Name, Value>,
    fragments: HashMap<&'a str, SetCost>,
}

impl<'a> Pricer<'a> {
    fn new(
        shapes: &'a Shapes,
        doc: &'a ExecutableDocument,
        vars: HashMap<Name, Value>,
    ) -> Option<Self> {
        let mut pricer = Self {
            shapes,
            vars,
            fragments: HashMap::new(),
        };
        for name in dependency_order(doc).ok()? {
            let fragment = &doc.fragments[name].node;
            let on = fragment.type_condition.node.on.node.as_str();
            let cost = pricer.set_cost(&fragment.selection_set.node, Some(on));
            pricer.fragments.insert(name, cost);
        }
        Some(pricer)
    }

    /// The cost of `set` selected on one object of type `ty` (`None` when the schema does
    /// not know it: validation refuses such a document later, and meanwhile its fields are
    /// costed as plain objects).
    fn set_cost(&self, set: &SelectionSet, ty: Option<&str>) -> SetCost {
        let on_connection = ty.is_some_and(is_connection_type);
        let mut total = SetCost::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    let sub = &f.selection_set.node;
                    // Scalars and enums (no selection) and introspection cost nothing.
                    if sub.items.is_empty() || name.starts_with("__") {
                        continue;
                    }
                    let shape = ty.and_then(|t| self.shapes.field(t, name));
                    let inner = self.set_cost(sub, shape.map(|s| s.named.as_str()));
                    let one = |items: u64| 1u64.saturating_add(inner.with_page(items));
                    total = total.add(match shape {
                        Some(s) if s.is_connection() => SetCost {
                            fixed: one(self.page(f)),
                            per_item: 0,
                        },
                        Some(s) if s.list && on_connection => SetCost {
                            fixed: 0,
                            per_item: one(1),
                        },
                        Some(s) if s.list => SetCost {
                            fixed: self
                                .list_len(ty.unwrap_or_default(), name, s, f)
                                .saturating_mul(one(1)),
                            per_item: 0,
                        },
                        _ => SetCost {
                            fixed: one(1),
                            per_item: 0,
                        },
                    });
                }
                Selection::InlineFragment(i) => {
                    let i = &i.node;
                    let on = i
                        .type_condition
                        .as_ref()
                        .map(|t| t.node.on.node.as_str())
                        .or(ty);
                    total = total.add(self.set_cost(&i.selection_set.node, on));
                }
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    total = total.add(self.fragments.get(name).copied().unwrap_or_default());
                }
            }
        }
        total
    }

    /// The items a connection's page can hold: `first` or `last` (the larger when both are
    /// given, which the resolver refuses anyway), or the default page size; never more than
    /// the largest page a resolver returns.
    fn page(&self, f: &Field) -> u64 {
        let asked = ["first", "last"]
            .into_iter()
            .filter_map(|arg| self.int_arg(f, arg))
            .max();
        clamp_page(asked.unwrap_or(i64::from(DEFAULT_PAGE)))
    }

    /// The length of a list that is not a connection.
    fn list_len(&self, ty: &str, name: &str, shape: &FieldShape, f: &Field) -> u64 {
        let sizing = SIZED_LISTS
            .iter()
            .find(|(t, n, _)| *t == ty && *n == name)
            .map(|(_, _, sizing)| *sizing);
        match sizing {
            Some(Sizing::LengthOf(arg)) => match self.arg(f, arg) {
                Some(Value::List(items)) => {
                    clamp_page(i64::try_from(items.len()).unwrap_or(i64::MAX))
                }
                _ => clamp_page(i64::MAX),
            },
            Some(Sizing::Count(arg)) => clamp_page(
                self.int_arg(f, arg)
                    .or_else(|| shape.args.get(arg).and_then(|a| a.default))
                    .unwrap_or(i64::from(DEFAULT_PAGE)),
            ),
            // A part of one record: one item.
            None => 1,
        }
    }

    /// An argument's value with variables replaced (`None` when absent, or when a variable
    /// is neither sent nor defaulted).
    fn arg(&self, f: &Field, arg: &str) -> Option<Value> {
        let value = f.get_argument(arg)?.node.clone();
        value
            .into_const_with(|var| self.vars.get(&var).cloned().ok_or(()))
            .ok()
    }

    fn int_arg(&self, f: &Field, arg: &str) -> Option<i64> {
        match self.arg(f, arg)? {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }
}

fn clamp_page(n: i64) -> u64 {
    u64::try_from(n.clamp(0, i64::from(MAX_PAGE))).unwrap_or(0)
}

#[cfg(test)]
mod tests;
