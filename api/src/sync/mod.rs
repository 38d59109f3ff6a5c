//! Contact sync wiring: the store-backed [`SyncQueue`](rapport_integrations::SyncQueue), the
//! [`ContactSource`](rapport_integrations::ContactSource) that reads a contact's current state
//! at send time, backfills, and the worker loops that run beside the server or in
//! `rapport worker` — one per provider, so a paced provider never holds another's queue.

mod bulk;
mod queue;
mod resync;
mod runner;
mod source;

pub use queue::StoreQueue;
pub use resync::ResyncStep;
pub use source::StoreSource;

use std::sync::Arc;

use rapport_integrations::{Counters, Registry, Worker, WorkerConfig};

use crate::config::SyncSettings;
use crate::store::Store;

/// What it takes to build workers over the store: the providers, the `sync` settings and the
/// process's job counters (shared by every worker of the process and shown on `/metrics`).
#[derive(Debug, Clone)]
pub struct SyncHandle {
    store: Store,
    registry: Arc<Registry>,
    config: WorkerConfig,
    counters: Arc<Counters>,
}

impl SyncHandle {
    /// A handle over `store` for these providers.
    ///
    /// # Errors
    /// `sync` settings a worker cannot run with, named.
    pub fn new(
        store: Store,
        registry: Arc<Registry>,
        settings: &SyncSettings,
    ) -> anyhow::Result<Self> {
        let config = settings
            .worker_config("worker".to_owned())
            .map_err(|e| anyhow::anyhow!("invalid [sync] settings: {e}"))?;
        let counters = Arc::new(Counters::new(registry.names()));
        Ok(Self {
            store,
            registry,
            config,
            counters,
        })
    }

    /// The registered providers.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The process's job counters per provider and outcome.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// A worker named `worker_id` (unique per running worker; it names the worker's leases).
    pub fn worker(&self, worker_id: impl Into<String>) -> Worker {
        let queue = Arc::new(StoreQueue::new(self.store.clone(), self.registry.clone()));
        let source = Arc::new(StoreSource::new(self.store.clone()));
        Worker::new(
            WorkerConfig {
                worker_id: worker_id.into(),
                ..self.config.clone()
            },
            self.registry.clone(),
            queue,
            source,
        )
        .with_counters(self.counters.clone())
    }
}
