//! Reading a webhook's body within its bound, and the answers every webhook gives.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde_json::json;

use super::MAX_BODY_BYTES;
use crate::http::RequestId;
use crate::service::WebhookOutcome;

pub(super) fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone())
}

/// 200 with what became of the event.
pub(super) fn acknowledged(outcome: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "outcome": outcome }))
}

/// 200 for an event applied or deliberately not applied.
pub(super) fn answered(provider: &str, kind: &str, outcome: WebhookOutcome) -> HttpResponse {
    match outcome {
        WebhookOutcome::Applied => tracing::info!(provider, kind, "webhook event applied"),
        WebhookOutcome::Refused(why) => {
            tracing::warn!(provider, kind, reason = why, "webhook event refused");
        }
        other => tracing::info!(
            provider,
            kind,
            outcome = other.as_str(),
            "webhook event acknowledged"
        ),
    }
    acknowledged(outcome.as_str())
}

pub(super) fn error(status: StatusCode, code: &str, message: &str, rid: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "code": code,
        "message": message,
        "requestId": rid,
    }))
}

pub(super) fn not_found(rid: &str) -> HttpResponse {
    error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route", rid)
}

pub(super) fn bad_request(message: &str, rid: &str) -> HttpResponse {
    error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message, rid)
}

/// The database failed: the cause is logged; the provider gets a 500 and retries.
pub(super) fn internal(err: &crate::error::ApiError, rid: &str) -> HttpResponse {
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error = %chain, "webhook event could not be applied; the provider will retry");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "the event could not be stored; retry later",
        rid,
    )
}

/// Reads the body up to [`MAX_BODY_BYTES`]; past it (as declared or as sent) answers 413.
pub(super) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::Bytes, HttpResponse> {
    let rid = request_id(req);
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            &rid,
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| bad_request("the body could not be read", &rid))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
