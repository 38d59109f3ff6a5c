//! The sync worker: claims jobs, sends current state, records outcomes. One step at a time.

mod report;
mod step;

pub use report::{PausedProvider, StepReport};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::{ContactSource, Counters, Registry, RetryPolicy, SyncQueue};
use step::Step;

/// How a worker claims and calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Names this worker in leases and logs; unique per running worker.
    pub worker_id: String,
    /// Jobs claimed per provider per step.
    pub batch_size: usize,
    /// How long a claim holds a job. Must exceed `call_timeout` plus the wait for the provider's
    /// limits: a batch of 50 at 2 requests per second waits 25 s for its last call.
    pub lease: Duration,
    /// The longest one provider call may take before it counts as a retryable timeout; a safety
    /// net over the provider client's own timeout, so no call outlives its lease.
    pub call_timeout: Duration,
    /// Backoff and dead-lettering.
    pub retry: RetryPolicy,
}

impl Default for WorkerConfig {
    /// 50 jobs per provider per step, 5 min leases, 130 s per call (Mailchimp allows 120 s).
    fn default() -> Self {
        Self {
            worker_id: "worker".to_owned(),
            batch_size: 50,
            lease: Duration::from_secs(5 * 60),
            call_timeout: Duration::from_secs(130),
            retry: RetryPolicy::default(),
        }
    }
}

/// Delivers queued contact changes to the registered providers.
///
/// [`run_once`](Self::run_once) is one step: for every registered provider that is not paused it
/// claims up to a batch of due jobs and runs them concurrently under the provider's limits. For
/// each job it loads the contact's current state through the [`ContactSource`] — never a
/// snapshot from enqueue time — then:
/// - a live contact is upserted; an erased one is erased, whatever the job's kind said, so an
///   erased contact is never upserted; a contact that no longer exists is skipped;
/// - success completes the job; a retryable failure reschedules it with the [`RetryPolicy`]'s
///   backoff, or dead-letters it once attempts run out; a permanent failure dead-letters it at
///   once; unauthorized pauses the provider, releases the job, and is named in the report;
/// - a job that could not start its call while its lease still covers the whole call is released
///   as due at once, so a lease never expires under a running call.
///
/// The server runs steps in a loop with a pause when idle; tests call `run_once` directly.
pub struct Worker {
    config: WorkerConfig,
    registry: Arc<Registry>,
    queue: Arc<dyn SyncQueue>,
    source: Arc<dyn ContactSource>,
    counters: Arc<Counters>,
    rng: Arc<Mutex<StdRng>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker over these providers, queue and contacts, with its own counters.
    pub fn new(
        config: WorkerConfig,
        registry: Arc<Registry>,
        queue: Arc<dyn SyncQueue>,
        source: Arc<dyn ContactSource>,
    ) -> Self {
        let counters = Arc::new(Counters::new(registry.names()));
        Self {
            config,
            registry,
            queue,
            source,
            counters,
            rng: Arc::new(Mutex::new(rand::make_rng::<StdRng>())),
        }
    }

    /// Shares counters with other workers of the process (build them from the registry's names).
    #[must_use]
    pub fn with_counters(mut self, counters: Arc<Counters>) -> Self {
        self.counters = counters;
        self
    }

    /// Draws backoff jitter from `rng` (a seeded one makes tests deterministic).
    #[must_use]
    pub fn with_rng(mut self, rng: StdRng) -> Self {
        self.rng = Arc::new(Mutex::new(rng));
        self
    }

    /// The job counters, per provider and outcome.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// The configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Runs one step at `now` (the time every queue record of the step uses) over every
    /// provider, their claims side by side, and reports what happened once every provider's
    /// batch is done. Never sleeps except to honour provider limits.
    ///
    /// A long-running process uses [`run_provider_once`](Self::run_provider_once) in one loop
    /// per provider instead: here the next step of a fast provider waits for the slowest
    /// provider's batch.
    pub async fn run_once(&self, now: DateTime<Utc>) -> StepReport {
        let steps = self
            .registry
            .iter()
            .map(|provider| self.run_provider_once(provider.name(), now));
        let mut report = StepReport::default();
        for step in futures_util::future::join_all(steps).await {
            report.merge(step);
        }
        report
    }

    /// Runs one step at `now` for the provider named `provider` only: claims up to a batch of
    /// its due jobs (unless it is paused) and runs them under its limits. Steps of different
    /// providers never wait on each other, so each provider's queue advances at its own pace
    /// when each has its own loop. An unknown name is an error in the report.
    pub async fn run_provider_once(&self, provider: &str, now: DateTime<Utc>) -> StepReport {
        let mut report = StepReport::default();
        let Some(provider) = self.registry.get(provider) else {
            report
                .errors
                .push(format!("{provider}: no such provider is registered"));
            return report;
        };
        let name = provider.name();
        match self.queue.is_paused(name).await {
            Ok(false) => {}
            Ok(true) => {
                report.skipped_paused.push(name);
                return report;
            }
            Err(err) => {
                tracing::error!(provider = name, error = %err, "could not read the provider's pause state");
                report.errors.push(format!("{name}: {err}"));
                return report;
            }
        }
        let claimed = self
            .queue
            .claim(
                &self.config.worker_id,
                name,
                self.config.batch_size,
                self.config.lease,
                now,
            )
            .await;
        let jobs = match claimed {
            Ok(jobs) => jobs,
            Err(err) => {
                tracing::error!(provider = name, error = %err, "could not claim sync jobs");
                report.errors.push(format!("{name}: {err}"));
                return report;
            }
        };
        report.claimed += jobs.len();
        let latest_start =
            Instant::now() + self.config.lease.saturating_sub(self.config.call_timeout);
        let step = Arc::new(Step {
            queue: Arc::clone(&self.queue),
            source: Arc::clone(&self.source),
            policy: self.config.retry,
            rng: Arc::clone(&self.rng),
            counters: Arc::clone(&self.counters),
            call_timeout: self.config.call_timeout,
            latest_start,
            now,
            paused: Mutex::default(),
            errors: Mutex::default(),
        });
        let mut tasks = JoinSet::new();
        for job in jobs {
            let (step, provider) = (Arc::clone(&step), provider.clone());
            tasks.spawn(async move { step.run(&provider, job).await });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(outcome) => report.record(outcome),
                Err(err) => {
                    // The job keeps its lease and is reclaimed once it expires.
                    tracing::error!(error = %err, "a sync task failed");
                    report.task_failures += 1;
                }
            }
        }
        step.finish(&mut report);
        report
    }
}

#[cfg(test)]
mod tests;
