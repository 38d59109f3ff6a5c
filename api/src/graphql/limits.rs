//! A clear refusal of introspection when it is turned off (async-graphql alone answers it
//! with a silent `null`). The bounds on a document's size and shape are in `super::guard`.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult};

/// Refuses a document that asks for `__schema` or `__type` (introspection is turned off).
/// async-graphql alone would answer such a field with a silent `null`, which looks like an
/// empty schema rather than a refusal.
pub(crate) fn refuse_introspection(doc: &ExecutableDocument) -> ServerResult<()> {
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
    Ok(())
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
