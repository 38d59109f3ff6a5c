//! When to try a failed job again, and when to give up.

use std::time::Duration;

use rand::{Rng, RngExt as _};

use crate::SyncError;

/// Exponential backoff with full jitter, a cap, and a bounded number of attempts.
///
/// The delay before retry number `n` (after `n` failed attempts) is drawn uniformly from
/// `[0, min(cap, base · 2^(n−1))]` — "full jitter", which spreads a burst of failures over the
/// whole window instead of retrying them in lockstep. A provider's `Retry-After` is a floor:
/// the delay is the larger of the two, itself bounded by `max_retry_after` so a bogus header
/// cannot park a job for months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The ceiling of the first retry's delay.
    pub base: Duration,
    /// The largest ceiling backoff grows to.
    pub cap: Duration,
    /// Attempts in all (the first one included) before a retryable failure becomes a dead letter.
    pub max_attempts: u32,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 1 s base, 15 min cap, 10 attempts (about an hour of retries in the worst case), honouring
    /// `Retry-After` up to an hour.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(15 * 60),
            max_attempts: 10,
            max_retry_after: Duration::from_secs(60 * 60),
        }
    }
}

/// What to do with a job whose attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this delay.
    RetryAfter(Duration),
    /// Park the job as a dead letter, with this reason.
    DeadLetter(String),
    /// The provider refused our credentials: pause it, with this reason, and keep the job.
    PauseProvider(String),
}

impl RetryPolicy {
    /// The upper bound of the jittered delay after `failures` failed attempts (counting from 1).
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1);
        let factor = 1u128.checked_shl(doublings).unwrap_or(u128::MAX);
        let nanos = self.base.as_nanos().saturating_mul(factor);
        let cap = self.cap.as_nanos();
        duration_from_nanos(nanos.min(cap))
    }

    /// The delay before the next attempt after `failures` failed ones: full jitter under
    /// [`ceiling`](Self::ceiling), raised to `retry_after` (bounded by `max_retry_after`) when the
    /// provider asked for a delay.
    pub fn next_delay(
        &self,
        failures: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let ceiling = u64::try_from(self.ceiling(failures).as_nanos()).unwrap_or(u64::MAX);
        let jittered = Duration::from_nanos(rng.random_range(0..=ceiling));
        let floor = retry_after.map_or(Duration::ZERO, |d| d.min(self.max_retry_after));
        jittered.max(floor)
    }

    /// Decides what follows a failed attempt, `attempts` being the number made so far (this one
    /// included). Permanent failures are dead letters at once; retryable ones until
    /// `max_attempts` is reached.
    pub fn decide(&self, attempts: u32, error: &SyncError, rng: &mut impl Rng) -> RetryDecision {
        match error {
            SyncError::Permanent { reason } => RetryDecision::DeadLetter(reason.clone()),
            SyncError::Unauthorized { reason } => RetryDecision::PauseProvider(reason.clone()),
            SyncError::Retryable {
                reason,
                retry_after,
            } => {
                if attempts >= self.max_attempts {
                    RetryDecision::DeadLetter(format!(
                        "gave up after {attempts} attempts; last: {reason}"
                    ))
                } else {
                    RetryDecision::RetryAfter(self.next_delay(attempts, *retry_after, rng))
                }
            }
        }
    }
}

fn duration_from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let sub = u32::try_from(nanos % NANOS_PER_SEC).unwrap_or(0);
    Duration::new(secs, sub)
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
