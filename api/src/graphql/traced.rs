//! The query root as executed: [`Query`], each of its fields run in a trace span when the
//! request is traced (see `crate::traces`). Like `FreshMutation`, a root wrapper and not an
//! async-graphql extension, so fields below the root never pass through an extension chain.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{Context, ContextSelectionSet, ObjectType, OutputType, Positioned};
use async_graphql::{ServerResult, Value};

use super::Query;

/// The query root, traced per root field. Everything else is [`Query`]'s.
#[derive(Debug, Default)]
pub struct TracedQuery(pub Query);

impl OutputType for TracedQuery {
    fn type_name() -> Cow<'static, str> {
        Query::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Query::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl ContainerType for TracedQuery {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        crate::traces::root_field(
            "Query",
            ctx.item.node.name.node.as_str(),
            self.0.resolve_field(ctx),
        )
        .await
    }
}

impl ObjectType for TracedQuery {}
