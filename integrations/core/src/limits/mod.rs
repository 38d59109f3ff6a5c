//! Provider limits: how many calls may be in flight, and how fast they may start.

mod concurrency;
mod rate;

pub use concurrency::{ConcurrencyLimit, ConcurrencyPermit};
pub use rate::{Rate, RateLimiter};

use std::num::NonZeroUsize;

/// The limits a provider is registered with. They hold per process: when several worker
/// processes share one provider account, give each its share (10 connections over two
/// processes: 5 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProviderLimits {
    /// At most this many calls in flight at once (Mailchimp: 10 connections per key).
    pub max_in_flight: Option<NonZeroUsize>,
    /// At most this request rate (Ringover: about 2 per second).
    pub rate: Option<Rate>,
}

impl ProviderLimits {
    /// No limit at all.
    pub const fn unlimited() -> Self {
        Self {
            max_in_flight: None,
            rate: None,
        }
    }

    /// At most `max_in_flight` calls at once.
    pub const fn in_flight(max_in_flight: NonZeroUsize) -> Self {
        Self {
            max_in_flight: Some(max_in_flight),
            rate: None,
        }
    }

    /// At most `rate` requests.
    pub const fn rate(rate: Rate) -> Self {
        Self {
            max_in_flight: None,
            rate: Some(rate),
        }
    }

    /// Adds a request rate to these limits.
    #[must_use]
    pub const fn with_rate(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }
}
