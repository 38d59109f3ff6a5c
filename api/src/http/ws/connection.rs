//! One WebSocket connection speaking `graphql-transport-ws`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::rt::task::JoinHandle;
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::Request as GqlRequest;
use futures_util::StreamExt as _;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at, sleep_until};

use super::protocol::{self, ClientMessage, close};
use super::{ConnectionSlot, Subscriptions};
use crate::auth::{self, AuthFailure, Caller};
use crate::graphql::context::RequestState;
use crate::http::AppState;

/// An authenticated connection.
struct Authed {
    caller: Caller,
    header: Vec<u8>,
    _slot: ConnectionSlot,
}

/// Why the loop ends.
struct Closing(u16, String);

/// Serves one connection until it closes.
pub async fn run(
    state: Arc<AppState>,
    session: Session,
    stream: actix_ws::MessageStream,
    handshake_header: Option<Vec<u8>>,
    rid: String,
) {
    let cfg = state.settings.events.subscriptions.clone();
    let max = cfg.max_message_bytes.max(1024);
    let mut stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    let hub = state.subscriptions.clone();
    let mut conn = Connection {
        state,
        hub,
        session: session.clone(),
        authed: None,
        running: HashMap::new(),
        rid,
    };
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<String>();
    let init_deadline = Instant::now() + Duration::from_secs(cfg.init_timeout_secs.max(1));
    let ping_every = Duration::from_secs(cfg.ping_secs.max(1));
    let mut pings = interval_at(Instant::now() + ping_every, ping_every);
    let recheck_every = Duration::from_secs(cfg.recheck_secs.max(1));
    let mut rechecks = interval_at(Instant::now() + recheck_every, recheck_every);
    let mut last_seen = Instant::now();
    let closing = loop {
        tokio::select! {
            message = stream.recv() => {
                last_seen = Instant::now();
                match message {
                    None => break None,
                    Some(Err(err)) => {
                        tracing::debug!(error = %err, "websocket protocol error");
                        break Some(Closing(close::TOO_BIG, "message too big or malformed".into()));
                    }
                    Some(Ok(message)) => {
                        if let Err(closing) = conn.on_message(message, handshake_header.as_deref(), &done_tx).await {
                            break closing;
                        }
                    }
                }
            }
            Some(id) = done_rx.recv() => {
                conn.running.remove(&id);
            }
            () = sleep_until(init_deadline), if conn.authed.is_none() => {
                break Some(Closing(close::INIT_TIMEOUT, "Connection initialisation timeout".into()));
            }
            _ = pings.tick() => {
                if last_seen.elapsed() >= ping_every * 2 {
                    break Some(Closing(close::KEEPALIVE_TIMEOUT, "no message or pong for twice the ping interval".into()));
                }
                if conn.session.ping(b"").await.is_err() {
                    break None;
                }
            }
            _ = rechecks.tick(), if conn.authed.is_some() => {
                if let Err(closing) = conn.recheck().await {
                    break Some(closing);
                }
            }
        }
    };
    for (_, task) in conn.running.drain() {
        task.abort();
    }
    let reason = closing.map(|Closing(code, description)| CloseReason {
        code: CloseCode::Other(code),
        description: Some(description),
    });
    let _ = session.close(reason).await;
}

struct Connection {
    state: Arc<AppState>,
    hub: Arc<Subscriptions>,
    session: Session,
    authed: Option<Authed>,
    running: HashMap<String, JoinHandle<()>>,
    rid: String,
}

impl Connection {
    async fn on_message(
        &mut self,
        message: AggregatedMessage,
        handshake_header: Option<&[u8]>,
        done: &mpsc::UnboundedSender<String>,
    ) -> Result<(), Option<Closing>> {
        let text = match message {
            AggregatedMessage::Text(text) => text,
            AggregatedMessage::Ping(bytes) => {
                let _ = self.session.pong(&bytes).await;
                return Ok(());
            }
            AggregatedMessage::Pong(_) => return Ok(()),
            AggregatedMessage::Close(_) => return Err(None),
            AggregatedMessage::Binary(_) => {
                return Err(Some(Closing(
                    close::BAD_REQUEST,
                    "binary messages are not part of the protocol".into(),
                )));
            }
        };
        let message =
            protocol::parse(&text).map_err(|why| Some(Closing(close::BAD_REQUEST, why)))?;
        match message {
            ClientMessage::Init(payload) => {
                if self.authed.is_some() {
                    return Err(Some(Closing(
                        close::TOO_MANY,
                        "Too many initialisation requests".into(),
                    )));
                }
                let header = protocol::credentials(&payload)
                    .or_else(|| handshake_header.map(<[u8]>::to_vec));
                self.init(header).await?;
                self.send(protocol::ack()).await
            }
            ClientMessage::Ping => self.send(protocol::pong()).await,
            ClientMessage::Pong => Ok(()),
            ClientMessage::Complete(id) => {
                if let Some(task) = self.running.remove(&id) {
                    task.abort();
                }
                Ok(())
            }
            ClientMessage::Subscribe(id, payload) => {
                let Some(authed) = &self.authed else {
                    return Err(Some(Closing(close::UNAUTHORIZED, "Unauthorized".into())));
                };
                if self.running.contains_key(&id) {
                    return Err(Some(Closing(
                        close::DUPLICATE_ID,
                        format!("Subscriber for {id} already exists"),
                    )));
                }
                let cfg = &self.state.settings;
                let max = cfg.events.subscriptions.max_per_connection;
                if self.running.len() >= max {
                    let message = format!(
                        "this connection already runs {max} operations (events.subscriptions.max_per_connection); complete one first"
                    );
                    return self
                        .send(protocol::error(
                            &id,
                            vec![protocol::coded_error(&message, "TOO_MANY_SUBSCRIPTIONS")],
                        ))
                        .await;
                }
                if payload.query.len() > cfg.graphql.max_query_bytes {
                    let message = format!(
                        "the query document is larger than {} bytes",
                        cfg.graphql.max_query_bytes
                    );
                    return self
                        .send(protocol::error(
                            &id,
                            vec![protocol::coded_error(&message, "QUERY_TOO_COMPLEX")],
                        ))
                        .await;
                }
                let caller = authed.caller.clone();
                let task = actix_web::rt::spawn(operation(
                    self.state.clone(),
                    self.session.clone(),
                    caller,
                    id.clone(),
                    payload,
                    format!("{}:{id}", self.rid),
                    done.clone(),
                ));
                self.running.insert(id, task);
                Ok(())
            }
        }
    }

    async fn send(&mut self, text: String) -> Result<(), Option<Closing>> {
        self.session.text(text).await.map_err(|_| None)
    }

    /// Authenticates `connection_init`.
    async fn init(&mut self, header: Option<Vec<u8>>) -> Result<(), Option<Closing>> {
        let state = &self.state;
        let caller = match auth::authenticate(
            &state.keys,
            &state.api_keys,
            &state.store,
            header.as_deref(),
        )
        .await
        {
            Ok(caller) => caller,
            Err(AuthFailure::Store(err)) => {
                tracing::error!(error = %err, "authentication could not reach the database");
                return Err(Some(Closing(close::INTERNAL, "internal error".into())));
            }
            Err(failure) => {
                tracing::info!(reason = %failure, "websocket connection refused");
                return Err(Some(Closing(close::FORBIDDEN, "Forbidden".into())));
            }
        };
        let max = state
            .settings
            .events
            .subscriptions
            .max_connections_per_subject;
        let Some(slot) = self.hub.enter(&caller.subject, max) else {
            return Err(Some(Closing(
                close::TOO_MANY,
                format!("this subject already has {max} open connections"),
            )));
        };
        self.authed = Some(Authed {
            caller,
            header: header.unwrap_or_default(),
            _slot: slot,
        });
        Ok(())
    }

    /// Verifies the connection's token and subject again, as a new request would be.
    async fn recheck(&mut self) -> Result<(), Closing> {
        let Some(authed) = &self.authed else {
            return Ok(());
        };
        let state = &self.state;
        match auth::authenticate(
            &state.keys,
            &state.api_keys,
            &state.store,
            Some(&authed.header),
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(AuthFailure::Store(err)) => {
                tracing::warn!(error = %err, "could not re-check a websocket connection; keeping it");
                Ok(())
            }
            Err(failure) => {
                tracing::info!(reason = %failure, "websocket connection closed on re-check");
                Err(Closing(close::FORBIDDEN, "Forbidden".into()))
            }
        }
    }
}

/// Runs one operation and sends its results; tells the connection when it is over.
async fn operation(
    state: Arc<AppState>,
    mut session: Session,
    caller: Caller,
    id: String,
    payload: protocol::SubscribePayload,
    rid: String,
    done: mpsc::UnboundedSender<String>,
) {
    let mut request = GqlRequest::new(payload.query.clone());
    if let Some(name) = payload.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = payload.variables.filter(|v| !v.is_null()) {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    let variables = request.variables.clone();
    let request_state = RequestState::new(
        state.store.clone(),
        caller,
        rid.clone(),
        state.keys.clone(),
        state.settings.clone(),
        state.registry.clone(),
        chrono::Utc::now(),
    );
    let request = request
        .data(request_state)
        .data(state.api_keys.clone())
        .data(state.subscriptions.broker.clone());
    let mut results = state.schema.execute_stream(request);
    let mut ended_with_error = false;
    while let Some(response) = results.next().await {
        let failed = response.data == async_graphql::Value::Null && !response.errors.is_empty();
        let errors: Vec<Value> = response
            .errors
            .into_iter()
            .map(|e| crate::http::graphql::error_json(e, &payload.query, &variables, &rid))
            .collect();
        let message = if failed {
            protocol::error(&id, errors)
        } else {
            let mut body = serde_json::Map::new();
            body.insert(
                "data".into(),
                serde_json::to_value(&response.data).unwrap_or(Value::Null),
            );
            if !errors.is_empty() {
                body.insert("errors".into(), Value::Array(errors));
            }
            protocol::next(&id, Value::Object(body))
        };
        if session.text(message).await.is_err() {
            return;
        }
        if failed {
            ended_with_error = true;
            break;
        }
    }
    if !ended_with_error {
        let _ = session.text(protocol::complete(&id)).await;
    }
    let _ = done.send(id);
}
