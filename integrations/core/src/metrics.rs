//! What happened to jobs, counted per provider and outcome.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// How one job ended in one worker step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The contact's current state was upserted.
    Synced,
    /// The contact was erased at the provider.
    Erased,
    /// The contact no longer exists; the job was dropped without a call.
    Skipped,
    /// A retryable failure: the job is due again later.
    Retried,
    /// A permanent failure, or retries ran out: the job is a dead letter.
    DeadLettered,
    /// The provider refused our credentials (or was paused during the step): the job waits for
    /// the provider to be resumed.
    Paused,
    /// The step ran out of lease time before the call: the job is due again at once.
    Deferred,
    /// The outcome could not be recorded (lease lost to another worker, or the queue failed);
    /// the job will be handled again.
    Unrecorded,
}

impl Outcome {
    /// Every outcome, in declaration order.
    pub const ALL: [Outcome; 8] = [
        Outcome::Synced,
        Outcome::Erased,
        Outcome::Skipped,
        Outcome::Retried,
        Outcome::DeadLettered,
        Outcome::Paused,
        Outcome::Deferred,
        Outcome::Unrecorded,
    ];

    /// A stable label for metrics (`synced`, `dead_lettered`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Synced => "synced",
            Outcome::Erased => "erased",
            Outcome::Skipped => "skipped",
            Outcome::Retried => "retried",
            Outcome::DeadLettered => "dead_lettered",
            Outcome::Paused => "paused",
            Outcome::Deferred => "deferred",
            Outcome::Unrecorded => "unrecorded",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Monotonic job counters per provider and outcome, for `/metrics`. Shared by every worker of a
/// process; lock-free to bump.
#[derive(Debug, Default)]
pub struct Counters {
    by_provider: BTreeMap<&'static str, [AtomicU64; Outcome::ALL.len()]>,
}

impl Counters {
    /// Counters for these providers, all at zero.
    pub fn new(providers: impl IntoIterator<Item = &'static str>) -> Self {
        Self {
            by_provider: providers
                .into_iter()
                .map(|name| (name, Default::default()))
                .collect(),
        }
    }

    /// Counts one job of `provider` ending in `outcome`; providers not given to
    /// [`new`](Self::new) are not counted.
    pub fn record(&self, provider: &str, outcome: Outcome) {
        if let Some(counts) = self.by_provider.get(provider) {
            counts[outcome.index()].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The count of `provider`'s jobs that ended in `outcome`.
    pub fn get(&self, provider: &str, outcome: Outcome) -> u64 {
        self.by_provider
            .get(provider)
            .map_or(0, |counts| counts[outcome.index()].load(Ordering::Relaxed))
    }

    /// Every (provider, outcome, count), providers by name, outcomes in declaration order.
    pub fn snapshot(&self) -> Vec<(&'static str, Outcome, u64)> {
        self.by_provider
            .iter()
            .flat_map(|(name, counts)| {
                Outcome::ALL
                    .iter()
                    .map(move |&o| (*name, o, counts[o.index()].load(Ordering::Relaxed)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_provider_and_outcome() {
        let counters = Counters::new(["mailchimp", "ringover"]);
        counters.record("mailchimp", Outcome::Synced);
        counters.record("mailchimp", Outcome::Synced);
        counters.record("ringover", Outcome::DeadLettered);
        counters.record("unknown", Outcome::Synced);
        assert_eq!(counters.get("mailchimp", Outcome::Synced), 2);
        assert_eq!(counters.get("ringover", Outcome::Synced), 0);
        assert_eq!(counters.get("ringover", Outcome::DeadLettered), 1);
        assert_eq!(counters.get("unknown", Outcome::Synced), 0);
        let snapshot = counters.snapshot();
        assert_eq!(snapshot.len(), 16);
        assert!(snapshot.contains(&("mailchimp", Outcome::Synced, 2)));
    }

    #[test]
    fn outcome_labels_are_distinct() {
        let mut labels: Vec<_> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Outcome::ALL.len());
    }
}
