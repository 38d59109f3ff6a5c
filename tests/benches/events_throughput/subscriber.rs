//! The subscribed GraphQL client of the events benchmark: `graphql-transport-ws` over
//! tokio-tungstenite, recording each event's aggregate id and arrival time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use rapport_tests::TestApp;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const SUBSCRIBE: &str =
    "subscription { eventReceived(types: [\"account.created\"]) { aggregateId } }";

/// A GraphQL client subscribed to `account.created` over WebSocket; records each event's
/// aggregate id and arrival time.
pub struct Subscriber {
    got: Arc<Mutex<Vec<(String, Instant)>>>,
    ended: Arc<Mutex<Option<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Subscriber {
    /// Connects as `app`'s admin, subscribes and waits until the server counts the
    /// subscription as listening.
    pub async fn start(app: &TestApp) -> Self {
        let url = format!("{}/graphql", app.address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("a websocket request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the websocket handshake");
        let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", app.admin_token)}});
        ws.send(Message::text(init.to_string()))
            .await
            .expect("init");
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let m: Value = serde_json::from_str(&text).expect("JSON");
                    assert_eq!(m["type"], "connection_ack", "{m}");
                    break;
                }
                Some(Ok(_)) => {}
                other => panic!("no connection_ack: {other:?}"),
            }
        }
        let subscribe = json!({"type": "subscribe", "id": "1", "payload": {"query": SUBSCRIBE}});
        ws.send(Message::text(subscribe.to_string()))
            .await
            .expect("subscribe");
        let got = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(Mutex::new(None));
        let (g, e) = (got.clone(), ended.clone());
        let task = tokio::spawn(async move {
            while let Some(message) = ws.next().await {
                let text = match message {
                    Ok(Message::Text(text)) => text,
                    Ok(Message::Close(frame)) => {
                        *lock(&e) = Some(format!("closed: {frame:?}"));
                        return;
                    }
                    Ok(_) => continue,
                    Err(err) => {
                        *lock(&e) = Some(format!("socket error: {err}"));
                        return;
                    }
                };
                let at = Instant::now();
                let m: Value = serde_json::from_str(&text).unwrap_or_default();
                match m["type"].as_str() {
                    Some("next") => {
                        if let Some(id) =
                            m["payload"]["data"]["eventReceived"]["aggregateId"].as_str()
                        {
                            lock(&g).push((id.to_owned(), at));
                        } else {
                            *lock(&e) = Some(format!("unexpected payload: {m}"));
                        }
                    }
                    Some("ping") => {
                        let _ = ws
                            .send(Message::text(json!({"type": "pong"}).to_string()))
                            .await;
                    }
                    Some("pong") => {}
                    _ => {
                        *lock(&e) = Some(format!("subscription ended: {m}"));
                        return;
                    }
                }
            }
            *lock(&e) = Some("socket ended".to_owned());
        });
        wait_live(&app.address).await;
        Self { got, ended, task }
    }

    pub fn received(&self) -> Vec<(String, Instant)> {
        lock(&self.got).clone()
    }

    pub fn count(&self) -> usize {
        lock(&self.got).len()
    }

    pub fn ended(&self) -> Option<String> {
        lock(&self.ended).clone()
    }
}

/// Waits until the server at `address` has a listening subscription (`/metrics`).
async fn wait_live(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = reqwest::Client::new()
            .get(format!("{address}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        let live: i64 = text
            .lines()
            .find_map(|l| l.strip_prefix("rapport_subscriptions_live "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1);
        if live >= 1 {
            return;
        }
        assert!(Instant::now() < deadline, "the subscription never listened");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
