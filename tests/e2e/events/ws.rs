//! A small `graphql-transport-ws` client for the subscription tests, and the helpers they
//! share: waiting for a subscription to listen, publishing what the outbox holds (as the
//! relay does).

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use rapport_tests::TestApp;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What the server sent next.
#[derive(Debug)]
pub enum Got {
    /// A protocol message.
    Msg(Value),
    /// The server closed the connection with this code and reason.
    Closed(u16, String),
    /// Nothing arrived in time.
    Nothing,
}

/// One connection.
pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Opens a WebSocket to `app`'s `/graphql` offering `graphql-transport-ws`.
pub async fn connect(app: &TestApp) -> Ws {
    connect_to(&app.address).await
}

/// Opens a WebSocket to `/graphql` of the server at `address` (`http://…`).
pub async fn connect_to(address: &str) -> Ws {
    let url = format!("{}/graphql", address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("a websocket request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (inner, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the websocket handshake");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    Ws { inner }
}

/// Connects and initialises with `token`; panics unless acknowledged.
pub async fn connect_as(app: &TestApp, token: &str) -> Ws {
    connect_as_to(&app.address, token).await
}

/// [`connect_as`] to the server at `address`.
pub async fn connect_as_to(address: &str, token: &str) -> Ws {
    let mut ws = connect_to(address).await;
    ws.send(
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    match ws.recv(Duration::from_secs(5)).await {
        Got::Msg(m) if m["type"] == "connection_ack" => ws,
        other => panic!("expected connection_ack, got {other:?}"),
    }
}

impl Ws {
    /// Sends a protocol message.
    pub async fn send(&mut self, message: Value) {
        self.inner
            .send(Message::text(message.to_string()))
            .await
            .expect("sent");
    }

    /// Sends `subscribe`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next protocol message (pings answered on the way), a close, or nothing within
    /// `within`.
    pub async fn recv(&mut self, within: Duration) -> Got {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match timeout(left, self.inner.next()).await {
                Err(_) => return Got::Nothing,
                Ok(None) => return Got::Closed(1006, "ended without a close frame".into()),
                Ok(Some(Err(e))) => return Got::Closed(1006, e.to_string()),
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Got::Msg(serde_json::from_str(&text).expect("JSON from the server"));
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return frame.map_or(Got::Closed(1005, String::new()), |f| {
                        Got::Closed(f.code.into(), f.reason.to_string())
                    });
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// The next message for operation `id` (other operations' messages are skipped).
    pub async fn recv_for(&mut self, id: &str, within: Duration) -> Got {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv(left).await {
                Got::Msg(m) if m["id"] != id => {}
                other => return other,
            }
        }
    }

    /// Reads until the server closes (answering pings); the close code, or `None` when the
    /// connection is still open after `within`.
    pub async fn closed_within(&mut self, within: Duration) -> Option<(u16, String)> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv(left).await {
                Got::Closed(code, reason) => return Some((code, reason)),
                Got::Nothing => return None,
                Got::Msg(_) => {}
            }
        }
    }
}

/// A gauge of `/metrics` of the server at `address`.
async fn gauge(address: &str, name: &str) -> i64 {
    let text = reqwest::Client::new()
        .get(format!("{address}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// Waits until `app` has at least `n` listening subscriptions.
pub async fn until_live(app: &TestApp, n: i64) {
    until_live_at(&app.address, n).await;
}

/// [`until_live`] for the server at `address`.
pub async fn until_live_at(address: &str, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let live = gauge(address, "rapport_subscriptions_live").await;
        if live >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} subscriptions never listened (live: {live})"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Publishes what the outbox holds every 100 ms, as the relay does, until aborted.
pub fn publisher(app: &TestApp) -> Publisher {
    let store = app.store.clone();
    Publisher(tokio::spawn(async move {
        loop {
            if let Err(err) = store.publish_pending_for_tests().await {
                eprintln!("publishing failed (retrying): {err}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }))
}

/// The background publisher; stops when dropped.
pub struct Publisher(JoinHandle<()>);

impl Drop for Publisher {
    fn drop(&mut self) {
        self.0.abort();
    }
}
