//! The test's client: GraphQL round-robin over the fleet's servers, counting what each served.
//! A mutation is never retried (a retry after a lost answer could apply it twice): one that
//! gets no 2xx answer is simply not acknowledged. A server that refuses connections is taken
//! out of the rotation.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

/// One server as the client sees it.
pub struct Server {
    /// `serve-1`, …
    pub name: String,
    url: String,
    alive: AtomicBool,
    /// 2xx answers.
    pub served: AtomicU64,
    /// Requests that got no answer, or no 2xx.
    pub failed: AtomicU64,
}

/// A 2xx answer without GraphQL errors.
pub struct Answer {
    /// The body.
    pub body: Value,
}

impl Answer {
    /// The value at `pointer` under `/data`, or a panic naming the body.
    pub fn data(&self, pointer: &str) -> &Value {
        match self.body.pointer(&format!("/data{pointer}")) {
            Some(value) if !value.is_null() => value,
            _ => panic!("no {pointer} in {}", self.body),
        }
    }

    /// The string at `pointer` under `/data`.
    pub fn text(&self, pointer: &str) -> String {
        self.data(pointer)
            .as_str()
            .unwrap_or_else(|| panic!("{pointer} is not a string in {}", self.body))
            .to_owned()
    }
}

/// The fleet's servers behind one round-robin client.
pub struct Fleet {
    /// The servers, in start order.
    pub servers: Vec<Server>,
    next: AtomicUsize,
    http: reqwest::Client,
    /// Mutations whose answer was lost (no 2xx): not acknowledged.
    pub unacknowledged: Mutex<Vec<String>>,
}

impl Fleet {
    /// A client over servers `(name, url)`.
    pub fn new(servers: &[(String, String)]) -> Self {
        Self {
            servers: servers
                .iter()
                .map(|(name, url)| Server {
                    name: name.clone(),
                    url: url.clone(),
                    alive: AtomicBool::new(true),
                    served: AtomicU64::new(0),
                    failed: AtomicU64::new(0),
                })
                .collect(),
            next: AtomicUsize::new(0),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            unacknowledged: Mutex::new(Vec::new()),
        }
    }

    fn pick(&self) -> usize {
        for _ in 0..self.servers.len() * 2 {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.servers.len();
            if self.servers[i].alive.load(Ordering::Relaxed) {
                return i;
            }
        }
        panic!("no server of the fleet is left");
    }

    /// Sends `query` to server `i` as `token`.
    pub async fn send_to(
        &self,
        i: usize,
        token: &str,
        query: &str,
        variables: Value,
    ) -> Result<Answer, String> {
        let server = &self.servers[i];
        let sent = self
            .http
            .post(format!("{}/graphql", server.url))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await;
        let res = match sent {
            Ok(res) => res,
            Err(err) => {
                server.failed.fetch_add(1, Ordering::Relaxed);
                if err.is_connect() {
                    server.alive.store(false, Ordering::Relaxed);
                }
                return Err(format!("{}: {err}", server.name));
            }
        };
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() || body.get("errors").is_some() {
            server.failed.fetch_add(1, Ordering::Relaxed);
            return Err(format!("{}: {status} {body}", server.name));
        }
        server.served.fetch_add(1, Ordering::Relaxed);
        Ok(Answer { body })
    }

    /// A query, on the next live server; retried on another when a server is gone (reads
    /// are safe to repeat).
    pub async fn read(&self, token: &str, query: &str, variables: Value) -> Answer {
        let mut last = String::new();
        for _ in 0..self.servers.len() {
            match self
                .send_to(self.pick(), token, query, variables.clone())
                .await
            {
                Ok(answer) => return answer,
                Err(err) => last = err,
            }
        }
        panic!("a read failed on every server: {last}");
    }

    /// A mutation, on the next live server, sent once. `None` when not acknowledged.
    pub async fn write(&self, token: &str, query: &str, variables: Value) -> Option<Answer> {
        match self.send_to(self.pick(), token, query, variables).await {
            Ok(answer) => Some(answer),
            Err(err) => {
                self.unacknowledged
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(err);
                None
            }
        }
    }

    /// A mutation that must succeed (setup before the kills).
    pub async fn must_write(&self, token: &str, query: &str, variables: Value) -> Answer {
        self.write(token, query, variables)
            .await
            .unwrap_or_else(|| panic!("a setup mutation failed: {query}"))
    }

    /// Marks server `i` gone (it was SIGKILLed).
    pub fn gone(&self, i: usize) {
        self.servers[i].alive.store(false, Ordering::Relaxed);
    }
}
