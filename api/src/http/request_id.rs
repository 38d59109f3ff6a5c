use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;

use super::AppState;
use super::client_addr::ClientAddr;
use super::refusal_log::RefusalReason;

/// The id of one request: taken from a sane `x-request-id` header or generated. Every log line
/// of the request carries it, and the response echoes it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn sane(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Assigns the request id and the client address, runs the request inside a span that carries
/// them, and writes the request's one line: health probes at debug, refusals (4xx) sampled by
/// [`super::refusal_log`], everything else at info.
pub async fn request_id_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let client = req.peer_addr().map(|peer| {
        state.as_ref().map_or(peer.ip(), |s| {
            s.edge.proxies.client(peer.ip(), req.headers())
        })
    });
    if let Some(client) = client {
        req.extensions_mut().insert(ClientAddr(client));
    }
    let path = crate::webhooks::loggable_path(req.path()).into_owned();
    let probe = matches!(path.as_str(), "/healthz" | "/readyz");
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %path,
        client = client.map(tracing::field::display),
        operation = tracing::field::Empty,
        subject_kind = tracing::field::Empty,
    );
    req.extensions_mut()
        .insert(super::metrics::RequestSpan(span.clone()));
    let started = Instant::now();
    let statements = crate::store::StatementTally::default();
    let mut res = statements
        .scope(next.call(req).instrument(span.clone()))
        .await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let status = res.status();
    let code = status.as_u16();
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_millis() as u64;
    if let Some(state) = &state {
        state
            .metrics
            .observe(res.request(), code, elapsed, statements.count());
    }
    span.record(
        "subject_kind",
        super::metrics::noted_subject_kind(res.request()),
    );
    let _entered = span.enter();
    if status.is_client_error() {
        let verdict = state
            .as_ref()
            .map(|s| s.edge.refusals.refusal(Instant::now()));
        if let Some(verdict) = verdict
            && verdict.suppressed > 0
        {
            tracing::warn!(
                suppressed = verdict.suppressed,
                "suppressed {} refusal log lines",
                verdict.suppressed
            );
        }
        if verdict.is_none_or(|v| v.write) {
            let reason = res
                .request()
                .extensions()
                .get::<RefusalReason>()
                .map(|r| r.0.clone());
            tracing::info!(status = code, elapsed_ms, reason, "request refused");
        }
    } else if probe && status.is_success() {
        tracing::debug!(status = code, elapsed_ms, "request finished");
    } else {
        tracing::info!(status = code, elapsed_ms, "request finished");
    }
    Ok(res)
}
