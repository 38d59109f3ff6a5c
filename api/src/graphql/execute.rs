//! How a request runs: the guard and the introspection switch before the executor, and the
//! loader caches emptied before each mutation field, all without an async-graphql extension.
//!
//! Why: once a schema has any extension, async-graphql sends every field of every answer
//! through the extensions' `resolve` chain (a registry look-up, a boxed future and a
//! `ResolveInfo` per field and per list item), even when no extension implements `resolve`.
//! The guard only needs the document before execution and the cache reset only mutation
//! fields, so both run here, and a list page resolves its fields directly.

use std::borrow::Cow;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, Field};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, Request, Response, Schema,
    ServerError, ServerResult, Value,
};

use super::context::RequestState;
use super::documents::Documents;
use super::guard::{QueryGuard, Refusal};
use super::traced::TracedQuery;
use super::{Mutation, Subscription, limits};

/// The schema as executed: its roots, with the query root wrapped in [`TracedQuery`] and the
/// mutation root in [`FreshMutation`].
pub type ExecSchema = Schema<TracedQuery, FreshMutation, Subscription>;

/// The executable schema and the checks every request passes before it runs.
#[derive(Clone)]
pub struct AppSchema {
    schema: ExecSchema,
    guard: QueryGuard,
    introspection: bool,
    documents: Arc<Documents>,
}

impl std::fmt::Debug for AppSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSchema")
            .field("introspection", &self.introspection)
            .finish_non_exhaustive()
    }
}

impl AppSchema {
    pub(super) fn new(
        schema: ExecSchema,
        guard: QueryGuard,
        introspection: bool,
        document_cache_size: usize,
    ) -> Self {
        Self {
            schema,
            guard,
            introspection,
            documents: Arc::new(Documents::new(document_cache_size)),
        }
    }

    /// Documents kept now (tests).
    #[cfg(test)]
    pub(super) fn documents_kept(&self) -> usize {
        self.documents.len()
    }

    /// The async-graphql schema (for its SDL).
    pub fn schema(&self) -> &ExecSchema {
        &self.schema
    }

    /// Counts the tokens, parses once (the parsed document is handed on, not parsed again),
    /// bounds the document's shape and cost, and refuses introspection when it is off. A
    /// document kept from an earlier request with the same text (see [`Documents`]) skips
    /// everything but the cost, which depends on the variables.
    pub(super) fn prepare(&self, mut request: Request) -> ServerResult<Request> {
        let limits = &self.guard.limits;
        let cost = |doc: &ExecutableDocument, request: &Request| {
            limits
                .check_cost(
                    &self.guard.shapes,
                    doc,
                    &request.variables,
                    request.operation_name.as_deref(),
                )
                .map_err(Refusal::into_server_error)
        };
        if let Some(doc) = self.documents.get(&request.query) {
            cost(&doc, &request)?;
            request.set_parsed_query(doc);
            return Ok(request);
        }
        limits
            .check_source(&request.query)
            .map_err(Refusal::into_server_error)?;
        let doc = async_graphql::parser::parse_query(&request.query).map_err(ServerError::from)?;
        limits
            .check_document(&doc)
            .map_err(Refusal::into_server_error)?;
        cost(&doc, &request)?;
        if !self.introspection {
            limits::refuse_introspection(&doc)?;
        }
        self.documents.keep(&request.query, &doc);
        request.set_parsed_query(doc);
        Ok(request)
    }

    /// Runs a query or mutation.
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        match self.prepare(request.into()) {
            Ok(request) => self.schema.execute(request).await,
            Err(refused) => Response::from_errors(vec![refused]),
        }
    }

    /// Runs a subscription (or a query or mutation, as one response).
    pub fn execute_stream(&self, request: impl Into<Request>) -> BoxStream<'static, Response> {
        match self.prepare(request.into()) {
            Ok(request) => self.schema.execute_stream(request).boxed(),
            Err(refused) => {
                stream::once(async move { Response::from_errors(vec![refused]) }).boxed()
            }
        }
    }
}

/// The mutation root, emptying the request's loader caches before each of its fields runs,
/// so a mutation's payload (and anything after it in the same document) reads what the
/// mutation wrote. Everything else is [`Mutation`]'s.
#[derive(Debug, Default)]
pub struct FreshMutation(pub Mutation);

impl OutputType for FreshMutation {
    fn type_name() -> Cow<'static, str> {
        Mutation::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Mutation::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl ContainerType for FreshMutation {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        if let Some(st) = ctx.data_opt::<RequestState>() {
            st.clear_caches();
        }
        let field = ctx.item.node.name.node.as_str();
        crate::traces::root_field("Mutation", field, self.0.resolve_field(ctx)).await
    }
}

impl ObjectType for FreshMutation {}
