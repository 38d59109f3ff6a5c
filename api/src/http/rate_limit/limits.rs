//! The three limits of one server: per subject, per client address, per webhook route.

use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use governor::clock::DefaultClock;

use super::bucket::{Decision, Keyed};
use super::middleware::too_many_requests;
use crate::config::RateLimitSettings;
use crate::http::AppState;
use crate::http::client_addr::limit_key;

/// How often buckets that have refilled are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

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
