//! A local webhook receiver: records every request (headers and body) and answers as told —
//! 2xx, an error status, a redirect, a huge body, or nothing at all (hangs).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// How the receiver answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// `status` with a short body (`ok` for 2xx, `nope` otherwise).
    Status(u16),
    /// `302 Found` with this `Location`.
    Redirect(String),
    /// `200` with a body of this many bytes (`x` repeated).
    Huge(usize),
    /// Reads the request and never answers.
    Hang,
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Received {
    /// The header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A receiver listening on 127.0.0.1.
#[derive(Debug, Clone)]
pub struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts a receiver answering with `behaviour`.
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = sink.clone();
                let behaviour = behaviour.clone();
                tokio::spawn(async move { serve(stream, sink, behaviour).await });
            }
        });
        Self { addr, received }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn serve(mut stream: TcpStream, sink: Arc<Mutex<Vec<Received>>>, behaviour: Behaviour) {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    sink.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Received { headers, body });
    let answer = match behaviour {
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            return;
        }
        Behaviour::Status(s) => {
            let body = if (200..300).contains(&s) {
                "ok"
            } else {
                "nope"
            };
            format!(
                "HTTP/1.1 {s} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        Behaviour::Redirect(to) => format!(
            "HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        ),
        Behaviour::Huge(n) => {
            let head =
                format!("HTTP/1.1 200 OK\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n");
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b'x'; 64 * 1024];
            let mut left = n;
            while left > 0 {
                let take = left.min(block.len());
                if stream.write_all(&block[..take]).await.is_err() {
                    return;
                }
                left -= take;
            }
            return;
        }
    };
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}
