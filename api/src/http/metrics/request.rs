//! What one request adds to the metrics and to its log lines: the handler notes the GraphQL
//! operation and the caller's kind, the request middleware counts the answer. Per request, not
//! per field: a lookup in the operation names, a counter and two histogram observations.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use actix_web::HttpMessage as _;
use actix_web::http::Method;
use prometheus_client::metrics::gauge::Gauge;
use rapport_domain::permissions::Principal;

use super::families::{Metrics, RequestLabels, RouteLabels};
use super::operations::operation_name;

/// The span of a request, kept in its extensions so the handler records on it whatever span is
/// current.
#[derive(Debug, Clone)]
pub struct RequestSpan(pub tracing::Span);

/// The GraphQL operation a request names.
#[derive(Debug, Clone)]
struct GraphqlOperation(Option<String>);

/// Who the request came from: `staff`, `partner`, `service` or `anonymous`.
#[derive(Debug, Clone, Copy)]
struct SubjectKind(&'static str);

/// The kind of caller a principal is, for logs.
pub fn subject_kind(principal: &Principal) -> &'static str {
    match principal {
        Principal::Staff { .. } => "staff",
        Principal::Partner { .. } => "partner",
        Principal::Service { .. } => "service",
    }
}

fn span_of(req: &actix_web::HttpRequest) -> Option<tracing::Span> {
    req.extensions().get::<RequestSpan>().map(|s| s.0.clone())
}

/// Notes the operation a GraphQL request names (`operationName`, or the document's first).
pub fn note_operation(req: &actix_web::HttpRequest, given: Option<&str>, query: &str) {
    let name = operation_name(given, query).map(str::to_owned);
    if let Some(span) = span_of(req) {
        span.record(
            "operation",
            name.as_deref().unwrap_or(super::operations::ANONYMOUS),
        );
    }
    req.extensions_mut().insert(GraphqlOperation(name));
}

/// Notes that the request was authenticated as `principal`.
pub fn note_caller(req: &actix_web::HttpRequest, principal: &Principal) {
    let kind = subject_kind(principal);
    if let Some(span) = span_of(req) {
        span.record("subject_kind", kind);
    }
    req.extensions_mut().insert(SubjectKind(kind));
}

/// The GraphQL operation name noted for this request (unbounded: for traces, not labels).
pub fn noted_operation(req: &actix_web::HttpRequest) -> Option<String> {
    req.extensions()
        .get::<GraphqlOperation>()
        .and_then(|op| op.0.clone())
}

/// The caller's kind noted for this request (`anonymous` when none was).
pub fn noted_subject_kind(req: &actix_web::HttpRequest) -> &'static str {
    req.extensions()
        .get::<SubjectKind>()
        .map_or("anonymous", |k| k.0)
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(
        &self,
        req: &actix_web::HttpRequest,
        status: u16,
        elapsed: Duration,
        statements: u64,
    ) {
        let route = req
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let authenticated = req.extensions().get::<SubjectKind>().is_some();
        let operation = req
            .extensions()
            .get::<GraphqlOperation>()
            .map(|op| self.operations.label(op.0.as_deref(), authenticated))
            .unwrap_or_default();
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method: method_label(req.method()),
                status,
                operation,
            })
            .inc();
        let route = RouteLabels { route };
        self.duration
            .get_or_create(&route)
            .observe(elapsed.as_secs_f64());
        self.statements
            .get_or_create(&route)
            .observe(statements as f64);
    }

    /// The open-connections gauge, for the server's connection hook.
    pub fn connections(&self) -> ConnectionCounter {
        ConnectionCounter(self.connections.clone())
    }
}

/// Counts a server's open connections: each connection holds an [`OpenConnection`] in its
/// extensions, which is dropped when the connection closes.
#[derive(Debug, Clone)]
pub struct ConnectionCounter(Gauge<i64, AtomicI64>);

/// One open connection.
#[derive(Debug)]
pub struct OpenConnection(Gauge<i64, AtomicI64>);

impl ConnectionCounter {
    /// Counts a new connection until the returned guard is dropped.
    pub fn open(&self) -> OpenConnection {
        self.0.inc();
        OpenConnection(self.0.clone())
    }

    /// For `HttpServer::on_connect`.
    pub fn on_connect(
        self: &Arc<Self>,
    ) -> impl Fn(&dyn std::any::Any, &mut actix_web::dev::Extensions) + Send + Sync + 'static {
        let counter = Arc::clone(self);
        move |_, ext| {
            ext.insert(counter.open());
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}
