//! One keyed GCRA limiter and the decisions it makes, with their headers.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

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

/// Writes the headers of `decision` on an answer.
pub(super) fn add_headers(headers: &mut header::HeaderMap, decision: &Decision) {
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
}
