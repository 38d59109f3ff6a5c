//! One job, from claimed to recorded.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use tokio::time::Instant;

use super::{PausedProvider, StepReport};
use crate::{
    ClaimedJob, ContactSource, ContactState, Counters, Delivery, Outcome, QueueError,
    RegisteredProvider, RetryDecision, RetryPolicy, SyncError, SyncQueue, TransportFailure,
    classify_transport,
};

/// What the jobs of one step share.
pub(super) struct Step {
    pub(super) queue: Arc<dyn SyncQueue>,
    pub(super) source: Arc<dyn ContactSource>,
    pub(super) policy: RetryPolicy,
    pub(super) rng: Arc<Mutex<StdRng>>,
    pub(super) counters: Arc<Counters>,
    pub(super) call_timeout: Duration,
    /// No call starts after this, so every call ends (or times out) before its lease does.
    pub(super) latest_start: Instant,
    pub(super) now: DateTime<Utc>,
    /// Providers that answered unauthorized during this step, with the first reason.
    pub(super) paused: Mutex<BTreeMap<&'static str, String>>,
    pub(super) errors: Mutex<Vec<String>>,
}

impl Step {
    /// Runs one claimed job to a recorded outcome.
    pub(super) async fn run(&self, provider: &RegisteredProvider, job: ClaimedJob) -> Outcome {
        let outcome = self.attempt(provider, &job).await;
        self.counters.record(provider.name(), outcome);
        tracing::debug!(
            provider = provider.name(),
            job = %job.job.id,
            contact = %job.job.contact_id,
            kind = job.job.kind.as_str(),
            attempt = job.job.attempts,
            outcome = outcome.as_str(),
            "sync job handled"
        );
        outcome
    }

    async fn attempt(&self, provider: &RegisteredProvider, job: &ClaimedJob) -> Outcome {
        let name = provider.name();
        // The provider's connection slot is held for the call only: loading the contact and
        // recording the outcome are our database's work, and a slot held through them would
        // leave a connection the provider allows us idle.
        let slot = provider.concurrency().acquire().await;
        if let Some(rate) = provider.rate() {
            rate.acquire().await;
        }
        if let Some(reason) = self.pause_reason(name) {
            drop(slot);
            let err = SyncError::unauthorized(reason);
            let released = self.queue.retry_later(job, &err, self.now).await;
            return self.record(job, released, Outcome::Paused);
        }
        if Instant::now() > self.latest_start {
            drop(slot);
            let err = SyncError::retryable("the lease ran out before the call could start");
            let released = self.queue.retry_later(job, &err, self.now).await;
            return self.record(job, released, Outcome::Deferred);
        }
        // Loaded as late as possible: any change after this marks the job to run again.
        let state = match self.source.load(name, job.job.contact_id).await {
            Ok(Some(state)) => state,
            Ok(None) => {
                drop(slot);
                let done = self.queue.complete(job, &Delivery::Skipped, self.now).await;
                return self.record(job, done, Outcome::Skipped);
            }
            Err(err) => {
                drop(slot);
                return self
                    .fail(name, job, SyncError::retryable(err.to_string()))
                    .await;
            }
        };
        let erasing = matches!(state, ContactState::Erased(_));
        let called = tokio::time::timeout(self.call_timeout, call(provider, state)).await;
        drop(slot);
        match called {
            Ok(Ok(delivery)) => {
                let done = self.queue.complete(job, &delivery, self.now).await;
                let outcome = if erasing {
                    Outcome::Erased
                } else {
                    Outcome::Synced
                };
                self.record(job, done, outcome)
            }
            Ok(Err(err)) => self.fail(name, job, err).await,
            Err(_elapsed) => {
                let err =
                    classify_transport(TransportFailure::Timeout, "the worker's call timeout");
                self.fail(name, job, err).await
            }
        }
    }

    async fn fail(&self, name: &'static str, job: &ClaimedJob, err: SyncError) -> Outcome {
        let decision = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            self.policy.decide(job.job.attempts, &err, &mut *rng)
        };
        match decision {
            RetryDecision::RetryAfter(delay) => {
                let at = crate::time::after(self.now, delay);
                let released = self.queue.retry_later(job, &err, at).await;
                self.record(job, released, Outcome::Retried)
            }
            RetryDecision::DeadLetter(reason) => {
                tracing::warn!(provider = name, job = %job.job.id, %reason, "sync job dead-lettered");
                let parked = self.queue.dead_letter(job, &reason, self.now).await;
                self.record(job, parked, Outcome::DeadLettered)
            }
            RetryDecision::PauseProvider(reason) => {
                self.pause(name, &reason).await;
                let released = self.queue.retry_later(job, &err, self.now).await;
                self.record(job, released, Outcome::Paused)
            }
        }
    }

    /// Pauses the provider in the queue once per step, however many jobs were refused.
    async fn pause(&self, name: &'static str, reason: &str) {
        let first = {
            let mut paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
            paused.insert(name, reason.to_owned()).is_none()
        };
        if first {
            tracing::error!(
                provider = name,
                reason,
                "provider refused our credentials; paused"
            );
            if let Err(err) = self.queue.pause_provider(name, reason, self.now).await {
                self.error(format!("{name}: could not pause: {err}"));
            }
        }
    }

    fn pause_reason(&self, name: &str) -> Option<String> {
        let paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        paused.get(name).cloned()
    }

    fn record(
        &self,
        job: &ClaimedJob,
        result: Result<(), QueueError>,
        outcome: Outcome,
    ) -> Outcome {
        match result {
            Ok(()) => outcome,
            Err(err) => {
                tracing::warn!(job = %job.job.id, error = %err, "could not record a sync outcome");
                if !matches!(err, QueueError::LeaseLost { .. }) {
                    self.error(format!("{}: {err}", job.job.provider));
                }
                Outcome::Unrecorded
            }
        }
    }

    fn error(&self, message: String) {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
    }

    /// Moves what the jobs learned into the step's report.
    pub(super) fn finish(&self, report: &mut StepReport) {
        let paused =
            std::mem::take(&mut *self.paused.lock().unwrap_or_else(PoisonError::into_inner));
        report.paused = paused
            .into_iter()
            .map(|(provider, reason)| PausedProvider { provider, reason })
            .collect();
        let errors =
            std::mem::take(&mut *self.errors.lock().unwrap_or_else(PoisonError::into_inner));
        report.errors.extend(errors);
    }
}

/// Upserts a live contact, erases an erased one: the current state decides, not the job's kind.
async fn call(provider: &RegisteredProvider, state: ContactState) -> Result<Delivery, SyncError> {
    match state {
        ContactState::Live(contact) => {
            let outcome = provider.provider().upsert(&contact).await?;
            Ok(Delivery::Upserted {
                sent: Box::new(contact),
                outcome,
            })
        }
        ContactState::Erased(erased) => {
            provider.provider().erase(&erased).await?;
            Ok(Delivery::Erased)
        }
    }
}
