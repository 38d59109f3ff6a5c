//! Request rate limits, with governor's keyed GCRA limiters: one bucket per token subject for
//! accepted tokens, one per client address for unauthenticated and refused requests, one per
//! webhook route. Past a limit the answer is 429 with `Retry-After`; every counted answer
//! carries `RateLimit-Policy` and `RateLimit` as draft-ietf-httpapi-ratelimit-headers-10
//! writes them (`"address";q=60;w=60` and `"address";r=0;t=12`).
//!
//! Buckets that have refilled are forgotten once a minute (`retain_recent`), so memory follows
//! the clients of the last minute, not every client ever seen.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use serde_json::json;

use super::client_addr::{ClientAddr, limit_key};
use super::negotiate::negotiate;
use super::{AppState, RequestId};
use crate::config::RateLimitSettings;

/// How often buckets that have refilled are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One keyed limiter and the policy it enforces.
pub struct Keyed<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    name: &'static str,
    per_minute: u32,
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, C, StateInformationMiddleware>,
    clock: C,
}

impl<K: Hash + Eq + Clone, C: Clock> std::fmt::Debug for Keyed<K, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyed")
            .field("name", &self.name)
            .field("keys", &self.limiter.len())
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> Keyed<K, C> {
    /// A limiter named `name` (the policy name clients see) letting `burst` requests through
    /// at once and refilling at `per_minute`, on `clock`.
    pub fn new(name: &'static str, per_minute: u32, burst: u32, clock: C) -> Self {
        let per_minute = per_minute.max(1);
        let period = Duration::from_secs(60) / per_minute;
        let burst_nz = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(burst_nz);
        let limiter = RateLimiter::<K, _, C, StateInformationMiddleware>::new(
            quota,
            DefaultKeyedStateStore::default(),
            clock.clone(),
        );
        Self {
            name,
            per_minute,
            limiter,
            clock,
        }
    }

    /// Counts one request of `key`.
    pub fn check(&self, key: &K) -> Decision {
        let policy = Policy {
            name: self.name,
            per_minute: self.per_minute,
        };
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let quota = snapshot.quota();
                let remaining = snapshot.remaining_burst_capacity();
                let missing = quota.burst_size().get().saturating_sub(remaining);
                Decision::Allowed {
                    policy,
                    remaining,
                    reset_secs: ceil_secs(quota.replenish_interval() * missing),
                }
            }
            Err(not_until) => Decision::Denied {
                policy,
                retry_after_secs: ceil_secs(not_until.wait_time_from(self.clock.now())).max(1),
            },
        }
    }

    /// Forgets the buckets that have refilled.
    pub fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many keys have a bucket.
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The policy a decision was made under, as the headers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    name: &'static str,
    per_minute: u32,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Let through; `remaining` more may follow at once.
    Allowed {
        /// The policy.
        policy: Policy,
        /// Requests left in the bucket.
        remaining: u32,
        /// Seconds until the bucket is full again.
        reset_secs: u64,
    },
    /// Refused: retry after this many seconds.
    Denied {
        /// The policy.
        policy: Policy,
        /// Seconds until one more request is let through.
        retry_after_secs: u64,
    },
}

impl Decision {
    fn headers(&self) -> Vec<(HeaderName, String)> {
        let (policy, remaining, reset) = match *self {
            Self::Allowed {
                policy,
                remaining,
                reset_secs,
            } => (policy, remaining, reset_secs),
            Self::Denied {
                policy,
                retry_after_secs,
            } => (policy, 0, retry_after_secs),
        };
        let mut out = vec![
            (
                HeaderName::from_static("ratelimit-policy"),
                format!("\"{}\";q={};w=60", policy.name, policy.per_minute),
            ),
            (
                HeaderName::from_static("ratelimit"),
                format!("\"{}\";r={remaining};t={reset}", policy.name),
            ),
        ];
        if let Self::Denied {
            retry_after_secs, ..
        } = self
        {
            out.push((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        out
    }
}

/// The limits of one server.
#[derive(Debug)]
pub struct Limits {
    enabled: bool,
    subjects: Keyed<String>,
    addresses: Keyed<IpAddr>,
    webhooks: Keyed<&'static str>,
    last_sweep: Mutex<Instant>,
}

impl Limits {
    /// The limits `settings` describe.
    pub fn new(settings: &RateLimitSettings) -> Self {
        let clock = DefaultClock::default();
        Self {
            enabled: settings.enabled,
            subjects: Keyed::new(
                "subject",
                settings.subject_per_minute,
                settings.subject_burst,
                clock.clone(),
            ),
            addresses: Keyed::new(
                "address",
                settings.address_per_minute,
                settings.address_burst,
                clock.clone(),
            ),
            webhooks: Keyed::new(
                "webhook",
                settings.webhook_per_minute,
                settings.webhook_burst,
                clock,
            ),
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    fn maybe_sweep(&self) {
        let due = self.last_sweep.lock().is_ok_and(|mut last| {
            let due = last.elapsed() >= SWEEP_EVERY;
            if due {
                *last = Instant::now();
            }
            due
        });
        if due {
            self.subjects.sweep();
            self.addresses.sweep();
            self.webhooks.sweep();
        }
    }

    fn count<K: Hash + Eq + Clone>(&self, keyed: &Keyed<K>, key: &K) -> Option<Decision> {
        if !self.enabled {
            return None;
        }
        self.maybe_sweep();
        Some(keyed.check(key))
    }

    /// How many keys have a bucket in memory.
    pub fn tracked(&self) -> usize {
        self.subjects.tracked() + self.addresses.tracked() + self.webhooks.tracked()
    }

    /// Counts a request carrying an accepted token of `subject`.
    pub fn subject(&self, subject: &str) -> Option<Decision> {
        self.count(&self.subjects, &subject.to_owned())
    }

    /// Counts an unauthenticated or refused request from `addr`.
    pub fn address(&self, addr: IpAddr) -> Option<Decision> {
        self.count(&self.addresses, &limit_key(addr))
    }

    /// Counts a delivery to the webhook route `route`.
    pub fn webhook(&self, route: &'static str) -> Option<Decision> {
        self.count(&self.webhooks, &route)
    }
}

/// Marks a request whose token was accepted: its refusals are its own, not its address's.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated;

/// For the GraphQL handler, once the token is accepted: counts the request against the
/// subject's bucket, and answers 429 when it is empty.
pub fn admit_subject(req: &HttpRequest, state: &AppState, subject: &str) -> Option<HttpResponse> {
    req.extensions_mut().insert(Authenticated);
    let decision = state.edge.limits.subject(subject)?;
    req.extensions_mut().insert(decision);
    matches!(decision, Decision::Denied { .. }).then(|| too_many_requests(req, &decision))
}

/// The 429 answer: a GraphQL error (`RATE_LIMITED`) on `/graphql`, a JSON error elsewhere.
pub fn too_many_requests(req: &HttpRequest, decision: &Decision) -> HttpResponse {
    let retry = match decision {
        Decision::Denied {
            retry_after_secs, ..
        } => *retry_after_secs,
        Decision::Allowed { .. } => 1,
    };
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone());
    let message = format!("too many requests; retry in {retry} s");
    if req.path().starts_with("/graphql") {
        let kind = negotiate(
            req.headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
        )
        .unwrap_or(super::negotiate::ResponseKind::Json);
        HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
            .content_type(kind.content_type())
            .json(json!({"errors": [{
                "message": message,
                "extensions": {"code": "RATE_LIMITED", "requestId": rid, "retryAfter": retry}
            }]}))
    } else {
        HttpResponse::build(StatusCode::TOO_MANY_REQUESTS).json(json!({
            "code": "RATE_LIMITED",
            "message": message,
            "requestId": rid,
        }))
    }
}

/// Which bucket a request is counted in before it is handled.
enum Gate {
    /// Health probes: never limited.
    Exempt,
    /// A webhook route: counted per route, whoever sends it.
    Webhook(&'static str),
    /// Unauthenticated pages (the SDL, metrics): counted per address.
    Address,
    /// Everything else (GraphQL): counted per subject by the handler once the token is
    /// accepted, or per address when the answer is a refusal.
    AfterwardsIfRefused,
}

fn gate(path: &str) -> Gate {
    match path {
        "/healthz" | "/readyz" => Gate::Exempt,
        "/webhooks/ringover" => Gate::Webhook("ringover"),
        "/graphql/schema.graphql" | "/metrics" => Gate::Address,
        p if p.starts_with("/webhooks/mailchimp/") => Gate::Webhook("mailchimp"),
        _ => Gate::AfterwardsIfRefused,
    }
}

/// Applies the limits around every request.
pub async fn rate_limit_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let addr = req.extensions().get::<ClientAddr>().map(|a| a.0);
    let before = match gate(req.path()) {
        Gate::Exempt => None,
        Gate::Webhook(route) => state.edge.limits.webhook(route),
        Gate::Address => addr.and_then(|a| state.edge.limits.address(a)),
        Gate::AfterwardsIfRefused => None,
    };
    if let Some(decision @ Decision::Denied { .. }) = before {
        let (http_req, _) = req.into_parts();
        let mut res = too_many_requests(&http_req, &decision);
        add_headers(res.headers_mut(), &decision);
        return Ok(ServiceResponse::new(http_req, res).map_into_right_body());
    }
    let counted_after = matches!(gate(req.path()), Gate::AfterwardsIfRefused);
    let mut res = next.call(req).await?;
    let mut decision = before.or_else(|| res.request().extensions().get::<Decision>().copied());
    let status = res.status();
    let refused = status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS;
    let owner = (counted_after
        && refused
        && !res.request().extensions().contains::<Authenticated>())
    .then(|| {
        // Refused before authentication (a malformed request, say) but carrying a genuine
        // token: the token's subject answers for it, not everyone behind its address.
        (status != StatusCode::UNAUTHORIZED)
            .then(|| genuine_subject(&state, res.request()))
            .flatten()
    });
    let after = match owner {
        None => None,
        Some(Some(subject)) => state.edge.limits.subject(&subject),
        Some(None) => addr.and_then(|a| state.edge.limits.address(a)),
    };
    if let Some(after) = after {
        decision = Some(after);
        if let Decision::Denied { .. } = after {
            let http_req = res.request().clone();
            let mut limited = too_many_requests(&http_req, &after);
            add_headers(limited.headers_mut(), &after);
            return Ok(ServiceResponse::new(http_req, limited).map_into_right_body());
        }
    }
    if let Some(decision) = decision {
        add_headers(res.headers_mut(), &decision);
    }
    Ok(res.map_into_left_body())
}

/// The subject of the request's one bearer token, when its signature and claims verify.
fn genuine_subject(state: &AppState, req: &HttpRequest) -> Option<String> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    state
        .keys
        .verify_authorization_header(value.as_bytes())
        .ok()
        .map(|token| token.subject)
}

fn add_headers(headers: &mut header::HeaderMap, decision: &Decision) {
    for (name, value) in decision.headers() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_bucket_lets_its_burst_through_then_refuses_until_it_refills() {
        let clock = FakeRelativeClock::default();
        let keyed: Keyed<&str, _> = Keyed::new("address", 60, 3, clock.clone());
        for expected_remaining in [2, 1, 0] {
            match keyed.check(&"a") {
                Decision::Allowed { remaining, .. } => assert_eq!(remaining, expected_remaining),
                denied @ Decision::Denied { .. } => panic!("refused too early: {denied:?}"),
            }
        }
        let denied = keyed.check(&"a");
        assert!(
            matches!(
                denied,
                Decision::Denied {
                    retry_after_secs: 1,
                    ..
                }
            ),
            "{denied:?}"
        );
        let headers = denied.headers();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            get("ratelimit-policy").as_deref(),
            Some("\"address\";q=60;w=60")
        );
        assert_eq!(get("ratelimit").as_deref(), Some("\"address\";r=0;t=1"));
        assert_eq!(get("retry-after").as_deref(), Some("1"));
        assert!(
            matches!(keyed.check(&"b"), Decision::Allowed { .. }),
            "other keys have their own bucket"
        );
        clock.advance(Duration::from_secs(1));
        assert!(matches!(keyed.check(&"a"), Decision::Allowed { .. }));
    }

    #[test]
    fn memory_follows_recent_clients_not_every_client_ever_seen() {
        let clock = FakeRelativeClock::default();
        let keyed: Keyed<u32, _> = Keyed::new("address", 60, 5, clock.clone());
        for key in 0..10_000 {
            let _ = keyed.check(&key);
        }
        assert_eq!(keyed.tracked(), 10_000);
        keyed.sweep();
        assert_eq!(keyed.tracked(), 10_000, "buckets still refilling are kept");
        clock.advance(Duration::from_secs(2));
        let _ = keyed.check(&1);
        keyed.sweep();
        assert_eq!(
            keyed.tracked(),
            1,
            "only the client seen within its refill time stays"
        );
    }

    #[test]
    fn routes_are_gated_by_kind() {
        assert!(matches!(gate("/healthz"), Gate::Exempt));
        assert!(matches!(
            gate("/webhooks/ringover"),
            Gate::Webhook("ringover")
        ));
        assert!(matches!(
            gate("/webhooks/mailchimp/anything"),
            Gate::Webhook("mailchimp")
        ));
        assert!(matches!(gate("/metrics"), Gate::Address));
        assert!(matches!(gate("/graphql"), Gate::AfterwardsIfRefused));
        assert!(matches!(gate("/nope"), Gate::AfterwardsIfRefused));
    }
}
