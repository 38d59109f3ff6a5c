//! Limits async-graphql does not enforce by itself: aliases per document, and a clear
//! refusal of introspection when it is turned off.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// Refuses documents with more than `max` aliases (a cheap way to multiply work otherwise).
#[derive(Debug, Clone, Copy)]
pub struct AliasLimit {
    /// Most aliases allowed.
    pub max: usize,
}

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

fn count(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => count(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Aliases in every operation and fragment of a document.
pub fn alias_count(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| count(&op.node.selection_set.node))
        .sum();
    let frags: usize = doc
        .fragments
        .values()
        .map(|f| count(&f.node.selection_set.node))
        .sum();
    ops + frags
}

#[async_trait::async_trait]
impl Extension for AliasLimit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let n = alias_count(&doc);
        if n > self.max {
            let mut err = ServerError::new(
                format!(
                    "the document uses {n} aliases; at most {} are allowed",
                    self.max
                ),
                None,
            );
            let mut ext = async_graphql::ErrorExtensionValues::default();
            ext.set("code", "QUERY_TOO_COMPLEX");
            err.extensions = Some(ext);
            return Err(err);
        }
        Ok(doc)
    }
}

/// Refuses documents that ask for `__schema` or `__type` when introspection is turned off.
/// async-graphql alone would answer such a field with a silent `null`, which looks like an
/// empty schema rather than a refusal.
#[derive(Debug, Clone, Copy)]
pub struct NoIntrospection;

impl ExtensionFactory for NoIntrospection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

fn introspects(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            matches!(f.node.name.node.as_str(), "__schema" | "__type")
                || introspects(&f.node.selection_set.node)
        }
        Selection::InlineFragment(f) => introspects(&f.node.selection_set.node),
        Selection::FragmentSpread(_) => false,
    })
}

#[async_trait::async_trait]
impl Extension for NoIntrospection {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let asks = doc
            .operations
            .iter()
            .any(|(_, op)| introspects(&op.node.selection_set.node))
            || doc
                .fragments
                .values()
                .any(|f| introspects(&f.node.selection_set.node));
        if asks {
            let mut err = ServerError::new("introspection is turned off on this server", None);
            let mut ext = async_graphql::ErrorExtensionValues::default();
            ext.set("code", "GRAPHQL_VALIDATION_FAILED");
            err.extensions = Some(ext);
            return Err(err);
        }
        Ok(doc)
    }
}
