//! The `graphql-transport-ws` messages (github.com/enisdenjo/graphql-ws, PROTOCOL.md) and the
//! close codes this server uses.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The subprotocol name a client must offer.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// Close codes (4400–4429 are the protocol's own; the others are this server's).
pub mod close {
    /// A message that is not a protocol message, or in the wrong place.
    pub const BAD_REQUEST: u16 = 4400;
    /// `subscribe` before the connection was acknowledged.
    pub const UNAUTHORIZED: u16 = 4401;
    /// Authentication refused at `connection_init` or by a later re-check (revoked or
    /// expired token, deactivated member or partner, changed role).
    pub const FORBIDDEN: u16 = 4403;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// A `subscribe` with the id of one still running.
    pub const DUPLICATE_ID: u16 = 4409;
    /// A second `connection_init`, or too many connections of one subject.
    pub const TOO_MANY: u16 = 4429;
    /// The database could not be asked at `connection_init`.
    pub const INTERNAL: u16 = 4500;
    /// No message (nor pong) for twice the ping interval.
    pub const KEEPALIVE_TIMEOUT: u16 = 4504;
    /// A message larger than `events.subscriptions.max_message_bytes` (WebSocket's own).
    pub const TOO_BIG: u16 = 1009;
}

/// A client's `subscribe` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribePayload {
    /// The document.
    pub query: String,
    /// The operation to run.
    #[serde(default)]
    pub operation_name: Option<String>,
    /// Variables.
    #[serde(default)]
    pub variables: Option<Value>,
    /// Extensions (not used).
    #[serde(default)]
    pub extensions: Option<Value>,
}

/// What a client sent.
#[derive(Debug)]
pub enum ClientMessage {
    /// `connection_init` with its payload (an object or nothing).
    Init(Map<String, Value>),
    /// `ping`.
    Ping,
    /// `pong`.
    Pong,
    /// `subscribe`.
    Subscribe(String, SubscribePayload),
    /// `complete`.
    Complete(String),
}

/// Parses one text message; `Err` says why it is not a protocol message.
pub fn parse(text: &str) -> Result<ClientMessage, String> {
    let value: Value = serde_json::from_str(text).map_err(|_| "the message is not JSON")?;
    let kind = value["type"].as_str().ok_or("the message has no type")?;
    let id = || {
        value["id"]
            .as_str()
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .map(str::to_owned)
            .ok_or_else(|| format!("a {kind} message needs an id (1 to 128 characters)"))
    };
    match kind {
        "connection_init" => match &value["payload"] {
            Value::Null => Ok(ClientMessage::Init(Map::new())),
            Value::Object(map) => Ok(ClientMessage::Init(map.clone())),
            _ => Err("the connection_init payload must be an object".into()),
        },
        "ping" => Ok(ClientMessage::Ping),
        "pong" => Ok(ClientMessage::Pong),
        "subscribe" => {
            let id = id()?;
            let payload = serde_json::from_value(value["payload"].clone())
                .map_err(|_| "the subscribe payload must carry a query string".to_owned())?;
            Ok(ClientMessage::Subscribe(id, payload))
        }
        "complete" => Ok(ClientMessage::Complete(id()?)),
        other => Err(format!("unknown message type `{other}`")),
    }
}

/// The credentials of a `connection_init` payload: `authorization` (`Bearer …`, any case of
/// the key) or `token` (the bare token).
pub fn credentials(payload: &Map<String, Value>) -> Option<Vec<u8>> {
    payload
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())
        .map(|v| v.as_bytes().to_vec())
        .or_else(|| {
            payload
                .get("token")
                .and_then(Value::as_str)
                .map(|t| format!("Bearer {t}").into_bytes())
        })
}

/// `connection_ack`.
pub fn ack() -> String {
    json!({"type": "connection_ack"}).to_string()
}

/// `pong` (answering a client's `ping`).
pub fn pong() -> String {
    json!({"type": "pong"}).to_string()
}

/// `next` with one execution result.
pub fn next(id: &str, payload: Value) -> String {
    json!({"type": "next", "id": id, "payload": payload}).to_string()
}

/// `error`: the operation failed before it ran (or ended with an error); no `complete`
/// follows.
pub fn error(id: &str, errors: Vec<Value>) -> String {
    json!({"type": "error", "id": id, "payload": errors}).to_string()
}

/// `complete`.
pub fn complete(id: &str) -> String {
    json!({"type": "complete", "id": id}).to_string()
}

/// One GraphQL error with a code.
pub fn coded_error(message: &str, code: &str) -> Value {
    json!({"message": message, "extensions": {"code": code}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_and_odd_ones_are_refused() {
        assert!(matches!(
            parse(r#"{"type":"connection_init","payload":{"token":"t"}}"#),
            Ok(ClientMessage::Init(_))
        ));
        assert!(matches!(
            parse(r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { x }"}}"#),
            Ok(ClientMessage::Subscribe(id, _)) if id == "1"
        ));
        for bad in [
            "nope",
            r#"{"type":"subscribe","payload":{"query":"x"}}"#,
            r#"{"type":"subscribe","id":"1","payload":{}}"#,
            r#"{"type":"connection_init","payload":3}"#,
            r#"{"type":"start","id":"1"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_come_from_authorization_or_token() {
        let map = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            credentials(&map(json!({"Authorization": "Bearer abc"}))),
            Some(b"Bearer abc".to_vec())
        );
        assert_eq!(
            credentials(&map(json!({"token": "abc"}))),
            Some(b"Bearer abc".to_vec())
        );
        assert_eq!(credentials(&map(json!({"other": 1}))), None);
    }
}
