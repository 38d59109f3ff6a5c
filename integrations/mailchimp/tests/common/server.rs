//! A scripted local HTTP/1.1 server standing in for Mailchimp.
//!
//! Each request is recorded, then answered by the script: a response, a stall (no answer until
//! the client gives up), or a dropped connection. Only what the provider sends is supported:
//! bodies with `Content-Length`, keep-alive connections.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `PUT /3.0/lists/<list>/members/abc` → `PUT /members/abc`: the call relative to the
    /// audience.
    pub fn call(&self) -> String {
        let path = self.path.strip_prefix("/3.0").unwrap_or(&self.path);
        let under_list = path
            .strip_prefix("/lists/")
            .map(|rest| rest.find('/').map_or("", |at| &rest[at..]));
        format!("{} {}", self.method, under_list.unwrap_or(path))
    }
}

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Answers nothing for this long, then closes the connection.
    Stall(Duration),
    /// Closes the connection without answering.
    Drop,
    /// Waits, then answers.
    After(Duration, Box<Reply>),
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A Mailchimp problem document.
    pub fn problem(status: u16, title: &str) -> Self {
        let mut reply = Self::json(
            status,
            serde_json::json!({
                "type": "https://mailchimp.com/developer/marketing/docs/errors/",
                "title": title,
                "status": status,
                "detail": "ada@example.com: see the title",
                "instance": "2f9d4e8a-1c3b-4a5d-9e7f-0b1c2d3e4f5a",
            }),
        );
        if let Reply::Respond { headers, .. } = &mut reply {
            headers[0].1 = "application/problem+json".into();
        }
        reply
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Answer = Pin<Box<dyn Future<Output = Reply> + Send>>;
type Script = dyn Fn(Recorded) -> Answer + Send + Sync;

/// A running mock; stops when dropped.
#[derive(Debug)]
pub struct MockServer {
    root: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    peak_in_flight: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// A server answering each request with `script`.
    pub async fn start(script: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_async(move |request: Recorded| {
            let reply = script(&request);
            async move { reply }
        })
        .await
    }

    /// A server whose answers are computed asynchronously (a proxy, say).
    pub async fn start_async<F, A>(script: F) -> Self
    where
        F: Fn(Recorded) -> A + Send + Sync + 'static,
        A: Future<Output = Reply> + Send + 'static,
    {
        let script: Arc<Script> = Arc::new(move |request| Box::pin(script(request)) as Answer);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let peak_in_flight = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let requests = Arc::clone(&requests);
            let peak = Arc::clone(&peak_in_flight);
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let connection = Connection {
                        script: Arc::clone(&script),
                        requests: Arc::clone(&requests),
                        in_flight: Arc::clone(&in_flight),
                        peak: Arc::clone(&peak),
                    };
                    tokio::spawn(connection.serve(stream));
                }
            }
        });
        Self {
            root: format!("http://{addr}"),
            requests,
            peak_in_flight,
            task,
        }
    }

    /// The API root to configure (`http://127.0.0.1:<port>/3.0`).
    pub fn url(&self) -> String {
        format!("{}/3.0", self.root)
    }

    /// The server's root (`http://127.0.0.1:<port>`).
    pub fn root(&self) -> &str {
        &self.root
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("not poisoned").clone()
    }

    /// `METHOD /path-under-the-list` of every request, in order.
    pub fn calls(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::call).collect()
    }

    /// The most requests the server was answering at once.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(Ordering::SeqCst)
    }
}

struct Connection {
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Connection {
    async fn serve(self, mut stream: TcpStream) {
        let mut buffer = Vec::new();
        while let Some(request) = read_request(&mut stream, &mut buffer).await {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            self.requests
                .lock()
                .expect("not poisoned")
                .push(request.clone());
            let mut reply = (self.script)(request).await;
            while let Reply::After(delay, then) = reply {
                tokio::time::sleep(delay).await;
                reply = *then;
            }
            let keep_going = match reply {
                Reply::Respond {
                    status,
                    headers,
                    body,
                } => {
                    let mut head = format!(
                        "HTTP/1.1 {status} Mock\r\ncontent-length: {}\r\n",
                        body.len()
                    );
                    for (name, value) in headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    let mut bytes = head.into_bytes();
                    bytes.extend_from_slice(&body);
                    stream.write_all(&bytes).await.is_ok()
                }
                Reply::Stall(duration) => {
                    tokio::time::sleep(duration).await;
                    false
                }
                Reply::Drop | Reply::After(..) => false,
            };
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if !keep_going {
                return;
            }
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at end of stream.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Recorded> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut request_line = lines.next()?.split(' ');
            let method = request_line.next()?.to_owned();
            let path = request_line.next()?.to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let start = end + 4;
            while buffer.len() < start + length {
                if !fill(stream, buffer).await {
                    return None;
                }
            }
            let body = buffer[start..start + length].to_vec();
            buffer.drain(..start + length);
            return Some(Recorded {
                method,
                path,
                headers,
                body,
            });
        }
        if !fill(stream, buffer).await {
            return None;
        }
    }
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0_u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
    }
}
