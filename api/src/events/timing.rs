//! Where the relay's and the dispatcher's time goes: the total time and count of each phase of
//! their runs in this process (publishing lock, reading the batch, each outlet, commit; claim,
//! sends, recording), kept in atomics, logged per run at `debug` and readable by benchmarks
//! and operators' tools through [`Timings::snapshot`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The phases timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Beginning the publishing transaction and waiting for the publishing lock.
    RelayLock,
    /// Reading, numbering and stamping the batch.
    RelayRead,
    /// The webhook fan-out outlet.
    RelayWebhooks,
    /// The notification inbox outlet.
    RelayInbox,
    /// Committing the batch.
    RelayCommit,
    /// A whole relay run (one batch), publishing or idle.
    RelayRun,
    /// The dispatcher's claim statement.
    DispatchClaim,
    /// Sending the claimed deliveries.
    DispatchSend,
    /// Recording the outcomes.
    DispatchRecord,
    /// A whole dispatcher run.
    DispatchRun,
    /// A pruning pass.
    Prune,
}

impl Phase {
    /// Every phase, in report order.
    pub const ALL: [Phase; 11] = [
        Phase::RelayLock,
        Phase::RelayRead,
        Phase::RelayWebhooks,
        Phase::RelayInbox,
        Phase::RelayCommit,
        Phase::RelayRun,
        Phase::DispatchClaim,
        Phase::DispatchSend,
        Phase::DispatchRecord,
        Phase::DispatchRun,
        Phase::Prune,
    ];

    /// The phase's name in reports (`relay.lock`).
    pub const fn name(self) -> &'static str {
        match self {
            Phase::RelayLock => "relay.lock",
            Phase::RelayRead => "relay.read",
            Phase::RelayWebhooks => "relay.outlet.webhooks",
            Phase::RelayInbox => "relay.outlet.inbox",
            Phase::RelayCommit => "relay.commit",
            Phase::RelayRun => "relay.run",
            Phase::DispatchClaim => "dispatch.claim",
            Phase::DispatchSend => "dispatch.send",
            Phase::DispatchRecord => "dispatch.record",
            Phase::DispatchRun => "dispatch.run",
            Phase::Prune => "prune",
        }
    }

    /// The phase of an outlet, by its name.
    pub fn of_outlet(name: &str) -> Option<Phase> {
        match name {
            "webhooks" => Some(Phase::RelayWebhooks),
            "inbox" => Some(Phase::RelayInbox),
            _ => None,
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// One phase's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseTotal {
    /// The phase.
    pub phase: Phase,
    /// How many times it ran.
    pub count: u64,
    /// Its total time.
    pub total: Duration,
    /// Its longest single run.
    pub max: Duration,
}

/// Totals per phase, shared by every clone of the events handle of one process.
#[derive(Debug, Default)]
pub struct Timings {
    counts: [AtomicU64; 11],
    micros: [AtomicU64; 11],
    max_micros: [AtomicU64; 11],
}

impl Timings {
    /// Adds one run of `phase` that took `took`.
    pub fn record(&self, phase: Phase, took: Duration) {
        let i = phase.index();
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.micros[i].fetch_add(micros, Ordering::Relaxed);
        self.max_micros[i].fetch_max(micros, Ordering::Relaxed);
    }

    /// Adds the time since `since` to `phase` and answers it.
    pub fn since(&self, phase: Phase, since: Instant) -> Duration {
        let took = since.elapsed();
        self.record(phase, took);
        took
    }

    /// The totals so far, in [`Phase::ALL`] order.
    pub fn snapshot(&self) -> Vec<PhaseTotal> {
        Phase::ALL
            .iter()
            .map(|&phase| {
                let i = phase.index();
                PhaseTotal {
                    phase,
                    count: self.counts[i].load(Ordering::Relaxed),
                    total: Duration::from_micros(self.micros[i].load(Ordering::Relaxed)),
                    max: Duration::from_micros(self.max_micros[i].load(Ordering::Relaxed)),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_per_phase_and_keep_the_longest_run() {
        let timings = Timings::default();
        timings.record(Phase::RelayRead, Duration::from_millis(3));
        timings.record(Phase::RelayRead, Duration::from_millis(5));
        timings.record(Phase::DispatchClaim, Duration::from_millis(1));
        let snapshot = timings.snapshot();
        let read = snapshot
            .iter()
            .find(|t| t.phase == Phase::RelayRead)
            .expect("read phase");
        assert_eq!(
            (read.count, read.total, read.max),
            (2, Duration::from_millis(8), Duration::from_millis(5))
        );
        let claim = snapshot
            .iter()
            .find(|t| t.phase == Phase::DispatchClaim)
            .expect("claim phase");
        assert_eq!(claim.count, 1);
        assert_eq!(
            snapshot.iter().map(|t| t.phase).collect::<Vec<_>>(),
            Phase::ALL
        );
    }
}
