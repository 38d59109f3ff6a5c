//! The HTTP/1.1 core the provider mocks share: one task per connection, keep-alive, requests
//! with a `Content-Length` body (all our clients send), and the machinery that is not about any
//! one provider: latency, a connection cap, scripted faults, injected server errors, statistics.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A request as a mock received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `PUT`, …
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// What followed `?` in the target (empty when nothing did).
    pub query: String,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The path's non-empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers besides `content-length`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A status without a body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON body (`application/json`).
    pub fn json(status: u16, body: &Value) -> Self {
        Self::typed(status, "application/json", body)
    }

    /// A JSON body with another media type (`application/problem+json`).
    pub fn typed(status: u16, content_type: &str, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// The same answer with one more header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn encode(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} Mock\r\ncontent-length: {}\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// What a scripted request gets instead of the mock's normal handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This answer; the mock's state is untouched (a 429, a 503, a 401, a bare 403, …).
    Answer(Response),
    /// The connection is closed without an answer; state untouched.
    Reset,
    /// No answer for this long (past the client's timeout), then the connection is closed;
    /// state untouched.
    Stall(Duration),
    /// The request is handled (state changes as usual) but the answer's body is cut short, so it
    /// is not JSON: the client cannot know its write was applied.
    MalformedJson,
}

impl Fault {
    /// `status` without a body (a bare 403, a 502 from a proxy).
    pub fn status(status: u16) -> Self {
        Fault::Answer(Response::empty(status))
    }

    /// `status` with a JSON body.
    pub fn json(status: u16, body: &Value) -> Self {
        Fault::Answer(Response::json(status, body))
    }

    /// The same fault with a `Retry-After` header (an answer only).
    #[must_use]
    pub fn with_retry_after(self, value: &str) -> Self {
        match self {
            Fault::Answer(response) => Fault::Answer(response.with_header("retry-after", value)),
            other => other,
        }
    }
}

#[derive(Debug)]
struct Rule {
    route: Option<String>,
    remaining: usize,
    fault: Fault,
}

/// The faults a mock applies, in order: each rule serves the next requests (to one route, or to
/// any) until it is used up. Requests no rule matches are handled normally.
#[derive(Debug, Default)]
pub struct FaultScript {
    rules: Mutex<VecDeque<Rule>>,
}

impl FaultScript {
    fn push(&self, route: Option<&str>, remaining: usize, fault: Fault) {
        lock(&self.rules).push_back(Rule {
            route: route.map(str::to_owned),
            remaining,
            fault,
        });
    }

    /// The next request, whatever its route, gets `fault`.
    pub fn next(&self, fault: Fault) {
        self.push(None, 1, fault);
    }

    /// The next `n` requests, whatever their route, get `fault`.
    pub fn next_n(&self, n: usize, fault: Fault) {
        self.push(None, n, fault);
    }

    /// The next request to `route` (one of the mock's `routes::…`) gets `fault`.
    pub fn on(&self, route: &str, fault: Fault) {
        self.push(Some(route), 1, fault);
    }

    /// The next `n` requests to `route` get `fault`.
    pub fn on_n(&self, route: &str, n: usize, fault: Fault) {
        self.push(Some(route), n, fault);
    }

    /// Every request to `route` gets `fault` until [`clear`](Self::clear).
    pub fn always(&self, route: &str, fault: Fault) {
        self.push(Some(route), usize::MAX, fault);
    }

    /// Forgets every rule.
    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// Scripted requests still to come (rules made with [`always`](Self::always) count once).
    pub fn pending(&self) -> usize {
        lock(&self.rules)
            .iter()
            .map(|r| {
                if r.remaining == usize::MAX {
                    1
                } else {
                    r.remaining
                }
            })
            .sum()
    }

    fn take(&self, route: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let at = rules
            .iter()
            .position(|r| r.route.as_deref().is_none_or(|wanted| wanted == route))?;
        let rule = &mut rules[at];
        let fault = rule.fault.clone();
        if rule.remaining != usize::MAX {
            rule.remaining -= 1;
            if rule.remaining == 0 {
                rules.remove(at);
            }
        }
        Some(fault)
    }
}

/// How a mock behaves beyond its API: slowness, limits, flakiness.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MockOptions {
    /// How long after it arrived every request is answered (while it counts as in flight), the
    /// mock's own work included.
    pub latency: Duration,
    /// A uniformly drawn extra latency in `[0, latency_jitter]`, from the seeded generator.
    pub latency_jitter: Duration,
    /// Requests beyond this many in flight at once are refused at once with the provider's
    /// "too many connections" answer (Mailchimp: 429), counted in
    /// [`Stats::refused_over_cap`]. `None`: no cap.
    pub max_connections: Option<usize>,
    /// The share (0.0 to 1.0) of requests answered with a 500, 502 or 503 instead of being
    /// handled, drawn from the seeded generator; counted in [`Stats::injected_server_errors`].
    pub server_error_share: f64,
    /// Seeds latency jitter and error injection, so a run can be repeated.
    pub seed: u64,
}

impl Default for MockOptions {
    /// No latency, no cap, no injected errors.
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            max_connections: None,
            server_error_share: 0.0,
            seed: 0x5eed,
        }
    }
}

/// What a mock has seen so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received.
    pub requests: usize,
    /// Requests received per route (the mock's `routes::…` names).
    pub by_route: BTreeMap<&'static str, usize>,
    /// The most requests in flight at once (refused ones included).
    pub max_in_flight: usize,
    /// Requests refused because [`MockOptions::max_connections`] were already in flight.
    pub refused_over_cap: usize,
    /// Server errors sent because of [`MockOptions::server_error_share`].
    pub injected_server_errors: usize,
    /// Requests that got a scripted [`Fault`].
    pub scripted_faults: usize,
}

impl Stats {
    /// Requests received on `route`.
    pub fn on(&self, route: &str) -> usize {
        self.by_route.get(route).copied().unwrap_or(0)
    }
}

/// One request as logged on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// When its last byte arrived.
    pub at: Instant,
    /// Its route (the mock's `routes::…` names).
    pub route: &'static str,
    /// `METHOD /path`.
    pub call: String,
}

/// A provider's API, as a mock implements it. Implemented by the provider mocks of this module.
pub trait MockApi: Send + Sync + 'static {
    /// The route a request belongs to, one of a small fixed set of names: faults target routes
    /// and statistics count by them.
    fn route(&self, request: &Request) -> &'static str;
    /// Handles a request against the mock's state.
    fn handle(&self, request: &Request) -> Response;
    /// The answer to a request over the connection cap.
    fn over_capacity(&self) -> Response {
        Response::empty(429)
    }
    /// The answer of an injected server error.
    fn server_error(&self, status: u16) -> Response {
        Response::empty(status)
    }
}

struct Shared<A> {
    api: A,
    options: MockOptions,
    faults: FaultScript,
    in_flight: AtomicUsize,
    stats: Mutex<Stats>,
    log: Mutex<Vec<Logged>>,
    rng: Mutex<u64>,
}

enum Action {
    Send(Response),
    Close,
}

impl<A: MockApi> Shared<A> {
    /// SplitMix64: small, seedable, good enough to spread latency and errors.
    fn random(&self) -> u64 {
        let mut state = lock(&self.rng);
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform draw in `[0, 1)`.
    fn unit(&self) -> f64 {
        // The top 53 bits, exactly representable.
        (self.random() >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn latency(&self) -> Duration {
        let jitter = self.options.latency_jitter;
        if jitter.is_zero() {
            return self.options.latency;
        }
        self.options.latency + jitter.mul_f64(self.unit())
    }

    async fn answer(&self, request: &Request) -> Action {
        let route = self.api.route(request);
        let in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        {
            let mut stats = lock(&self.stats);
            stats.requests += 1;
            *stats.by_route.entry(route).or_default() += 1;
            stats.max_in_flight = stats.max_in_flight.max(in_flight);
        }
        lock(&self.log).push(Logged {
            at: Instant::now(),
            route,
            call: format!("{} {}", request.method, request.path),
        });
        let action = self.decide(route, request, in_flight).await;
        // Out of flight before the answer is written: a client that reads it and sends its next
        // request at once never meets its own previous request still counted.
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        action
    }

    async fn decide(&self, route: &'static str, request: &Request, in_flight: usize) -> Action {
        if self
            .options
            .max_connections
            .is_some_and(|cap| in_flight > cap)
        {
            lock(&self.stats).refused_over_cap += 1;
            return Action::Send(self.api.over_capacity());
        }
        // A call is answered `latency` after it arrived, the mock's own work included: like a
        // real server, whose latency is the time it takes, and unlike a sleep added on top of
        // work that runs one call at a time under the mock's lock. Faults and injected errors
        // come when the latency has passed; a handled call changes the state at once (a client
        // that gives up or dies while waiting leaves the change made, as a real one would).
        let until = tokio::time::Instant::now() + self.latency();
        if let Some(fault) = self.faults.take(route) {
            tokio::time::sleep_until(until).await;
            lock(&self.stats).scripted_faults += 1;
            return match fault {
                Fault::Answer(response) => Action::Send(response),
                Fault::Reset => Action::Close,
                Fault::Stall(duration) => {
                    tokio::time::sleep(duration).await;
                    Action::Close
                }
                Fault::MalformedJson => {
                    let mut response = self.api.handle(request);
                    if response.status == 204 {
                        response.status = 200;
                    }
                    response.headers.retain(|(n, _)| n != "content-type");
                    response
                        .headers
                        .push(("content-type".into(), "application/json".into()));
                    response.body = br#"{"id": "4479089b"#.to_vec();
                    Action::Send(response)
                }
            };
        }
        let share = self.options.server_error_share;
        if share > 0.0 && self.unit() < share {
            let status = [500, 502, 503][usize::try_from(self.random() % 3).unwrap_or(0)];
            lock(&self.stats).injected_server_errors += 1;
            tokio::time::sleep_until(until).await;
            return Action::Send(self.api.server_error(status));
        }
        let response = self.api.handle(request);
        tokio::time::sleep_until(until).await;
        Action::Send(response)
    }

    async fn serve(self: Arc<Self>, stream: TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        while let Some(request) = read_request(&mut reader).await {
            match self.answer(&request).await {
                Action::Send(response) => {
                    if write.write_all(&response.encode()).await.is_err() {
                        return;
                    }
                }
                Action::Close => return,
            }
        }
    }
}

/// Reads one request; `None` when the client went away or sent something unreadable.
async fn read_request(reader: &mut BufReader<OwnedReadHalf>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut words = line.split_whitespace();
    let method = words.next()?.to_owned();
    let target = words.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (path, query) = (path.to_owned(), query.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

/// Stops accepting connections when the last handle goes.
#[derive(Debug)]
struct Acceptor(tokio::task::JoinHandle<()>);

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running mock of one provider on a free local port; stops accepting when the last clone is
/// dropped. Clones share the server, its state and its statistics.
pub struct MockServer<A> {
    shared: Arc<Shared<A>>,
    address: SocketAddr,
    _acceptor: Arc<Acceptor>,
}

impl<A> Clone for MockServer<A> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            address: self.address,
            _acceptor: Arc::clone(&self._acceptor),
        }
    }
}

impl<A> std::fmt::Debug for MockServer<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("address", &self.address)
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl<A: MockApi> MockServer<A> {
    /// Binds 127.0.0.1 on a free port and serves `api` with `options`.
    pub(crate) async fn serve(api: A, options: MockOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free local port");
        let address = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            api,
            options,
            faults: FaultScript::default(),
            in_flight: AtomicUsize::new(0),
            stats: Mutex::new(Stats::default()),
            log: Mutex::new(Vec::new()),
            rng: Mutex::new(options.seed),
        });
        let accepting = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(Arc::clone(&accepting).serve(stream));
            }
        });
        Self {
            shared,
            address,
            _acceptor: Arc::new(Acceptor(task)),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn root(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The options it runs with.
    pub fn options(&self) -> MockOptions {
        self.shared.options
    }

    /// Its fault script: push faults for the next requests.
    pub fn faults(&self) -> &FaultScript {
        &self.shared.faults
    }

    /// What it has seen so far.
    pub fn stats(&self) -> Stats {
        lock(&self.shared.stats).clone()
    }

    /// Forgets the statistics and the log (state is kept): measure one phase of a run.
    pub fn reset_stats(&self) {
        *lock(&self.shared.stats) = Stats::default();
        lock(&self.shared.log).clear();
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.log).clone()
    }

    /// The most requests that arrived within any span shorter than `window`: a rate check
    /// (at most 20 per second: `busiest(Duration::from_secs(1)) <= 20`).
    pub fn busiest(&self, window: Duration) -> usize {
        let mut arrivals: Vec<Instant> = lock(&self.shared.log).iter().map(|l| l.at).collect();
        arrivals.sort_unstable();
        let mut first = 0;
        let mut most = 0;
        for (last, at) in arrivals.iter().enumerate() {
            while *at - arrivals[first] >= window {
                first += 1;
            }
            most = most.max(last + 1 - first);
        }
        most
    }

    /// Requests being answered right now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn api(&self) -> &A {
        &self.shared.api
    }
}
