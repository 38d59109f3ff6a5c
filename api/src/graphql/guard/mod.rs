//! Bounded work before validation.
//!
//! async-graphql validates a fragment again at every spread and compares its depth and
//! complexity limits only after walking everything, so a small document of fragments that
//! each spread the previous one twice costs time that doubles per level. The guard runs
//! first, before async-graphql parses, checks recursion and validates (`graphql::AppSchema`
//! runs it ahead of the executor): it counts tokens before parsing, parses once (the parsed
//! document is handed on, not parsed again), and costs the document with every fragment
//! costed once. Its work
//! is linear in the size of the document, so refusing is never dearer than reading. Last,
//! it prices the operation with the cost model of data queries ([`model`]): the objects its
//! answer can hold, refused past `graphql.max_complexity` before anything runs.

mod cost;
pub mod model;
mod refusal;
mod tokens;

use std::sync::Arc;

use async_graphql::Variables;
use async_graphql::parser::types::ExecutableDocument;

use crate::config::GraphqlSettings;

pub use cost::{Cycle, DocumentCost, cost_of};
pub use model::{Shapes, object_cost};
pub use refusal::{Bound, Refusal};
pub use tokens::count_tokens;

/// The bounds the guard holds a document to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardLimits {
    /// Most lexical tokens.
    pub max_tokens: u64,
    /// Most fragment definitions.
    pub max_fragments: u64,
    /// Deepest nesting through fields, inline fragments and spreads.
    pub max_nesting: u64,
    /// Deepest path of data fields (leaves included, fragments transparent).
    pub max_depth: u64,
    /// Deepest path of fields through `__schema` or `__type`, bounded apart from data so
    /// that introspection tools are never held to the data limit.
    pub max_introspection_depth: u64,
    /// Most selections once fragments are spread.
    pub max_expanded: u64,
    /// Highest cost: the most objects an answer may hold (see [`model`]).
    pub max_cost: u64,
    /// Most fragment spreads once expanded.
    pub max_fragment_spreads: u64,
    /// Most aliases.
    pub max_aliases: u64,
}

impl GuardLimits {
    /// The bounds configured in `[graphql]`.
    pub fn from_settings(s: &GraphqlSettings) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Self {
            max_tokens: n(s.max_tokens),
            max_fragments: n(s.max_fragments),
            max_nesting: n(s.max_nesting),
            max_depth: n(s.max_depth),
            max_introspection_depth: n(s.max_introspection_depth),
            max_expanded: n(s.max_selections),
            max_cost: n(s.max_complexity),
            max_fragment_spreads: n(s.max_fragment_spreads),
            max_aliases: n(s.max_aliases),
        }
    }

    /// Refuses a document source with too many tokens, before it is parsed.
    pub fn check_source(&self, src: &str) -> Result<(), Refusal> {
        within(Bound::Tokens, count_tokens(src), self.max_tokens)
    }

    /// Refuses a parsed document past any bound of its shape, checked in this order:
    /// fragments, cycles, nesting, data depth, introspection depth, expanded size, spreads,
    /// aliases. The cost model is [`Self::check_cost`], which needs the schema.
    pub fn check_document(&self, doc: &ExecutableDocument) -> Result<DocumentCost, Refusal> {
        let fragments = u64::try_from(doc.fragments.len()).unwrap_or(u64::MAX);
        within(Bound::Fragments, fragments, self.max_fragments)?;
        let cost = cost_of(doc).map_err(|Cycle(names)| Refusal::FragmentCycle(names))?;
        within(Bound::Nesting, cost.nesting, self.max_nesting)?;
        within(Bound::Depth, cost.depth, self.max_depth)?;
        within(
            Bound::IntrospectionDepth,
            cost.introspection_depth,
            self.max_introspection_depth,
        )?;
        within(Bound::Expansion, cost.expanded, self.max_expanded)?;
        within(
            Bound::FragmentSpreads,
            cost.spreads,
            self.max_fragment_spreads,
        )?;
        within(Bound::Aliases, cost.aliases, self.max_aliases)?;
        Ok(cost)
    }

    /// Refuses an operation whose answer can hold more objects than `max_cost`, and
    /// otherwise gives its cost. Run after [`Self::check_document`], which bounds the walk.
    pub fn check_cost(
        &self,
        shapes: &Shapes,
        doc: &ExecutableDocument,
        variables: &Variables,
        operation: Option<&str>,
    ) -> Result<u64, Refusal> {
        let cost = object_cost(shapes, doc, variables, operation);
        within(Bound::Complexity, cost, self.max_cost)?;
        Ok(cost)
    }

    /// The whole guard on a query text, as the executor runs it: count, parse, cost. A text
    /// that does not parse is `Ok(None)` (the parse error is async-graphql's to report).
    pub fn check_query(&self, shapes: &Shapes, src: &str) -> Result<Option<DocumentCost>, Refusal> {
        self.check_source(src)?;
        match async_graphql::parser::parse_query(src) {
            Ok(doc) => {
                let cost = self.check_document(&doc)?;
                self.check_cost(shapes, &doc, &Variables::default(), None)?;
                Ok(Some(cost))
            }
            Err(_) => Ok(None),
        }
    }
}

fn within(bound: Bound, value: u64, limit: u64) -> Result<(), Refusal> {
    if value > limit {
        return Err(Refusal::TooComplex {
            bound,
            value,
            limit,
        });
    }
    Ok(())
}

/// The guard as the executor runs it (`graphql::AppSchema`): the bounds, and the shapes of
/// the schema it guards for the cost model.
#[derive(Debug, Clone)]
pub struct QueryGuard {
    /// The bounds.
    pub limits: GuardLimits,
    /// The schema's field shapes.
    pub shapes: Arc<Shapes>,
}

#[cfg(test)]
mod tests;
