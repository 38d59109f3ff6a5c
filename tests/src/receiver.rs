//! A local webhook receiver: serves HTTP/1.1 on a free port of 127.0.0.1, records every request
//! (headers and body, in arrival order) and answers as told: `204`, a failure status, a hang
//! (never answers), or a redirect. One request per connection (`connection: close`).
//!
//! ```no_run
//! # async fn demo() {
//! use rapport_tests::receiver::{Receiver, Reply};
//! let receiver = Receiver::start().await;
//! receiver.set_reply(Reply::Status(500));
//! // … point a webhook endpoint at receiver.url() …
//! let got = receiver.wait_for(1, std::time::Duration::from_secs(5)).await;
//! assert_eq!(got[0].header("webhook-id").is_some(), true);
//! # }
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How the receiver answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `204 No Content`.
    Ok,
    /// This status, with a short body.
    Status(u16),
    /// Reads the request and never answers (the sender's timeout must end it).
    Hang,
    /// `302 Found` to this location.
    Redirect(String),
}

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `POST`, …
    pub method: String,
    /// The request target.
    pub path: String,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
    /// How the receiver answered it.
    pub reply: Reply,
    /// When it arrived (its body fully read).
    pub at: Instant,
}

impl Received {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Whether the receiver acknowledged it (answered 2xx).
    pub fn acknowledged(&self) -> bool {
        self.reply == Reply::Ok
    }
}

#[derive(Debug)]
struct State {
    reply: Reply,
    delay: Duration,
    received: Vec<Received>,
}

/// A running receiver; it stops when dropped.
#[derive(Debug)]
pub struct Receiver {
    url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts a receiver answering `204`.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds a free port");
        let url = format!(
            "http://127.0.0.1:{}/hook",
            listener.local_addr().expect("bound address").port()
        );
        let state = Arc::new(Mutex::new(State {
            reply: Reply::Ok,
            delay: Duration::ZERO,
            received: Vec::new(),
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        Self { url, state, task }
    }

    /// The URL to register (`http://127.0.0.1:PORT/hook`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How the next requests are answered.
    pub fn set_reply(&self, reply: Reply) {
        lock(&self.state).reply = reply;
    }

    /// How long the receiver waits before answering each request.
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.state).delay = delay;
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    /// The requests acknowledged so far.
    pub fn acknowledged(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(Received::acknowledged)
            .collect()
    }

    /// Forgets what was received.
    pub fn clear(&self) {
        lock(&self.state).received.clear();
    }

    /// Waits until at least `count` requests arrived (or `within` passed) and returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn serve(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await? == 0 {
            return Ok(());
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().to_owned();
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await?;
    let (reply, delay) = {
        let mut state = lock(&state);
        let reply = state.reply.clone();
        let delay = state.delay;
        state.received.push(Received {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            reply: reply.clone(),
            at: Instant::now(),
        });
        (reply, delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let answer = match reply {
        Reply::Ok => "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n".to_owned(),
        Reply::Status(status) => {
            let body = format!("receiver answers {status}");
            format!(
                "HTTP/1.1 {status} Failure\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        Reply::Redirect(location) => format!(
            "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        ),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
    };
    write.write_all(answer.as_bytes()).await?;
    write.shutdown().await?;
    Ok(())
}
