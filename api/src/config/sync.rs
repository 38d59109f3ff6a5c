//! Settings of the contact-sync workers and of the agreement scheduler.

use serde::{Deserialize, Serialize};

/// Contact sync.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Run the sync worker inside the server.
    pub run_in_server: bool,
    /// How long an idle worker waits before looking for jobs again, in milliseconds.
    pub poll_ms: u64,
    /// Jobs a worker claims per provider per step.
    pub batch_size: usize,
    /// How long a claim holds a job, in seconds. A worker that dies mid-step leaves its jobs
    /// to be reclaimed by any worker once this passes; it must exceed `call_timeout_secs` plus
    /// the wait for a provider's rate limit over one batch.
    pub lease_secs: u64,
    /// The longest one provider call may take, in seconds, before it counts as a retryable
    /// timeout.
    pub call_timeout_secs: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        let worker = rapport_integrations::WorkerConfig::default();
        Self {
            run_in_server: true,
            poll_ms: 1_000,
            batch_size: worker.batch_size,
            lease_secs: worker.lease.as_secs(),
            call_timeout_secs: worker.call_timeout.as_secs(),
        }
    }
}

impl SyncSettings {
    /// The worker configuration these settings describe, for the worker named `worker_id`.
    ///
    /// # Errors
    /// A setting the worker cannot run with, named.
    pub fn worker_config(
        &self,
        worker_id: String,
    ) -> Result<rapport_integrations::WorkerConfig, String> {
        if self.batch_size == 0 {
            return Err("sync.batch_size must be at least 1".to_owned());
        }
        if self.call_timeout_secs == 0 {
            return Err("sync.call_timeout_secs must be at least 1".to_owned());
        }
        if self.lease_secs <= self.call_timeout_secs {
            return Err(format!(
                "sync.lease_secs ({}) must exceed sync.call_timeout_secs ({})",
                self.lease_secs, self.call_timeout_secs
            ));
        }
        Ok(rapport_integrations::WorkerConfig {
            worker_id,
            batch_size: self.batch_size,
            lease: std::time::Duration::from_secs(self.lease_secs),
            call_timeout: std::time::Duration::from_secs(self.call_timeout_secs),
            ..rapport_integrations::WorkerConfig::default()
        })
    }
}

/// Time-driven agreement transitions (review due, notice deadlines, renewal, expiry).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// Seconds between runs inside the server; 0 turns the in-server scheduler off.
    pub interval_secs: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self { interval_secs: 300 }
    }
}
