//! A deadline on reading request bodies (`http.body_timeout_secs`). actix bounds the time to
//! receive the request head, not the body: a client announcing a large `Content-Length` and
//! sending nothing would hold a connection and a handler for as long as it likes. Every body
//! read by any route goes through this deadline; a body that has not arrived in time is
//! answered 408 and the connection closed.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::Stream;
use serde_json::json;

use super::negotiate::{ResponseKind, negotiate};
use super::{AppState, RequestId};

/// The request body, cut off at its deadline.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

impl Stream for Deadline {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired.store(true, Ordering::Relaxed);
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Puts the deadline on the body and answers 408 when it passed.
pub async fn body_deadline_middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    // A WebSocket's "body" is the connection itself: it has its own bounds (ws/).
    let upgrade = super::ws::is_upgrade(req.head());
    let Some(timeout) = req
        .app_data::<web::Data<AppState>>()
        .filter(|_| !upgrade)
        .map(|s| Duration::from_secs(s.settings.http.body_timeout_secs))
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let expired = Arc::new(AtomicBool::new(false));
    let stream = Deadline {
        inner: req.take_payload(),
        sleep: Box::pin(tokio::time::sleep(timeout)),
        expired: expired.clone(),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> = Box::pin(stream);
    req.set_payload(Payload::from(boxed));
    let res = next.call(req).await?;
    if !expired.load(Ordering::Relaxed) {
        return Ok(res.map_into_left_body());
    }
    let http_req = res.request().clone();
    let rid = http_req
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone());
    let message = format!(
        "the request body did not arrive within {} s",
        timeout.as_secs()
    );
    let mut answer = HttpResponse::build(StatusCode::REQUEST_TIMEOUT);
    answer.insert_header((header::CONNECTION, "close"));
    let answer = if http_req.path().starts_with("/graphql") {
        let kind = negotiate(
            http_req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
        )
        .unwrap_or(ResponseKind::Json);
        answer
            .content_type(kind.content_type())
            .json(json!({"errors": [{
                "message": message,
                "extensions": {"code": "REQUEST_TIMEOUT", "requestId": rid}
            }]}))
    } else {
        answer.json(json!({"code": "REQUEST_TIMEOUT", "message": message, "requestId": rid}))
    };
    Ok(ServiceResponse::new(http_req, answer).map_into_right_body())
}
