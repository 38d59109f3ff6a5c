//! GraphQL subscriptions over WebSocket at `GET /graphql` (`Upgrade: websocket`,
//! `Sec-WebSocket-Protocol: graphql-transport-ws`). The token comes in `connection_init`
//! and is verified as an HTTP request's is, then again every `recheck_secs`; every
//! `subscribe` runs with a request state built as an HTTP request's, through the same
//! schema, guard and limits. Bounds: subscriptions per connection, connections per subject
//! (per process), an init deadline, server pings, a message size.

mod connection;
pub mod protocol;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use serde_json::json;

use super::AppState;
use crate::events::broker::Broker;

/// What the subscriptions of this process share: the broker and the connection counts.
#[derive(Debug)]
pub struct Subscriptions {
    /// Follows the published events for every subscription of this process.
    pub broker: Broker,
    connections: Mutex<HashMap<String, usize>>,
}

impl Subscriptions {
    /// The subscriptions of a process over `store`.
    pub fn new(store: crate::store::Store, settings: &crate::config::SubscriptionSettings) -> Self {
        Self {
            broker: Broker::new(
                store,
                settings.buffer,
                Duration::from_millis(settings.poll_ms.max(10)),
            ),
            connections: Mutex::new(HashMap::new()),
        }
    }

    /// Open connections of this process (authenticated ones).
    pub fn open_connections(&self) -> usize {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }

    /// Counts one more connection of `subject`, unless it already has `max`.
    fn enter(self: &Arc<Self>, subject: &str, max: usize) -> Option<ConnectionSlot> {
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(subject.to_owned()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            hub: self.clone(),
            subject: subject.to_owned(),
        })
    }
}

/// One counted connection; uncounted when dropped.
#[derive(Debug)]
struct ConnectionSlot {
    hub: Arc<Subscriptions>,
    subject: String,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut map = self
            .hub
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.subject) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.subject);
            }
        }
    }
}

/// Whether the request asks to become a WebSocket.
pub fn is_upgrade(head: &actix_web::dev::RequestHead) -> bool {
    head.headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// Whether the client offers `graphql-transport-ws`.
fn offers_subprotocol(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == protocol::SUBPROTOCOL)
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    if !offers_subprotocol(&req) {
        return HttpResponse::BadRequest().json(json!({"errors": [{
            "message": "offer the graphql-transport-ws subprotocol (Sec-WebSocket-Protocol)",
            "extensions": {"code": "BAD_REQUEST"}
        }]}));
    }
    let (mut response, session, stream) = match actix_ws::handle(&req, body) {
        Ok(parts) => parts,
        Err(err) => return err.error_response(),
    };
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol::SUBPROTOCOL),
    );
    // The handshake's Authorization header, for clients that can set one; the
    // connection_init payload wins.
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    let rid = req
        .extensions()
        .get::<super::RequestId>()
        .map_or_else(|| "ws".to_owned(), |r| r.0.clone());
    actix_web::rt::spawn(connection::run(
        state.into_inner(),
        session,
        stream,
        header,
        rid,
    ));
    response
}
