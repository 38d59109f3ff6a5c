//! The server span of each request, continuing the caller's trace (W3C `traceparent`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, web};
use opentelemetry::context::FutureExt as _;
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};

use super::spans::RequestTracer;
use crate::http::AppState;

/// Request headers, as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The longest operation name a span carries.
const MAX_OPERATION: usize = 100;

/// Runs the request in a server span when this server traces; otherwise passes it on.
pub async fn trace_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let traces = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.traces.clone());
    let Some(traces) = traces else {
        return next.call(req).await;
    };
    let parent = traces.propagator.extract(&Headers(req.headers()));
    let method = req.method().as_str().to_owned();
    let path = crate::webhooks::loggable_path(req.path()).into_owned();
    let span = traces
        .tracer
        .span_builder(method.clone())
        .with_kind(SpanKind::Server)
        .with_attributes(vec![
            KeyValue::new("http.request.method", method.clone()),
            KeyValue::new("url.path", path),
        ])
        .start_with_context(&traces.tracer, &parent);
    let cx: Context = parent
        .with_span(span)
        .with_value(RequestTracer(traces.tracer.clone()));
    let res = next.call(req).with_context(cx.clone()).await;
    let span = cx.span();
    match &res {
        Ok(res) => {
            let request = res.request();
            let status = res.status();
            if let Some(route) = request.match_pattern() {
                span.update_name(format!("{method} {route}"));
                span.set_attribute(KeyValue::new("http.route", route));
            }
            span.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(status.as_u16()),
            ));
            if let Some(id) = request.extensions().get::<crate::http::RequestId>() {
                span.set_attribute(KeyValue::new("rapport.request_id", id.0.clone()));
            }
            if let Some(name) = crate::http::metrics::noted_operation(request) {
                let mut name = name;
                name.truncate(
                    (0..=MAX_OPERATION.min(name.len()))
                        .rev()
                        .find(|i| name.is_char_boundary(*i))
                        .unwrap_or(0),
                );
                span.set_attribute(KeyValue::new("graphql.operation.name", name));
            }
            span.set_attribute(KeyValue::new(
                "rapport.subject_kind",
                crate::http::metrics::noted_subject_kind(request),
            ));
            if status.is_server_error() {
                span.set_status(Status::error(status.to_string()));
            }
        }
        Err(err) => span.set_status(Status::error(err.to_string())),
    }
    span.end();
    res
}
