use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A request rate: `count` requests per `per`, with bursts of up to `burst` back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    count: NonZeroU32,
    per: Duration,
    burst: NonZeroU32,
}

impl Rate {
    /// `count` requests per `per`, no bursts. `None` when `per` is zero.
    pub fn new(count: NonZeroU32, per: Duration) -> Option<Self> {
        (!per.is_zero()).then_some(Self {
            count,
            per,
            burst: NonZeroU32::MIN,
        })
    }

    /// `count` requests per second, no bursts (Ringover: 2).
    pub const fn per_second(count: NonZeroU32) -> Self {
        Self {
            count,
            per: Duration::from_secs(1),
            burst: NonZeroU32::MIN,
        }
    }

    /// Allows up to `burst` requests back to back after a quiet period; the long-run rate stays
    /// the same.
    #[must_use]
    pub const fn with_burst(mut self, burst: NonZeroU32) -> Self {
        self.burst = burst;
        self
    }

    /// The spacing between two requests at the steady rate.
    pub fn interval(&self) -> Duration {
        self.per / self.count.get()
    }
}

/// A token bucket, kept as the time the next request may start (the "generic cell rate
/// algorithm"): each caller reserves the next slot and sleeps until it, so waiters are served in
/// arrival order and none busy-waits.
///
/// Time is tokio's, so tests run it on paused time (`tokio::time::pause`) without sleeping.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: Rate,
    next_slot: Arc<Mutex<Option<Instant>>>,
}

impl RateLimiter {
    /// A limiter at `rate`.
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            next_slot: Arc::new(Mutex::new(None)),
        }
    }

    /// The rate it enforces.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Waits until one more request fits the rate. A caller that gives up while waiting leaves
    /// its slot unused, which only makes the limiter more conservative.
    pub async fn acquire(&self) {
        let start = self.reserve(Instant::now());
        tokio::time::sleep_until(start).await;
    }

    /// Reserves the next slot and says when it starts.
    fn reserve(&self, now: Instant) -> Instant {
        let interval = self.rate.interval();
        let tolerance = interval * (self.rate.burst.get() - 1);
        let mut next = self
            .next_slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let theoretical = next.map_or(now, |t| t.max(now));
        let start = theoretical
            .checked_sub(tolerance)
            .map_or(now, |earliest| earliest.max(now));
        *next = Some(theoretical + interval);
        start
    }
}

#[cfg(test)]
#[path = "rate_tests.rs"]
mod tests;
