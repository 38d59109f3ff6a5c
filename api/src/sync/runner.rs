//! The long-running sync worker: one loop per provider, so each provider's queue advances at
//! its own pace. A paced provider (Ringover, 2 requests per second: a batch of 50 takes 25 s)
//! never holds another's jobs behind its batch, in one process; across processes, each claims
//! per provider under leases, as before.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use rapport_integrations::Worker;
use tokio::task::JoinSet;

use super::SyncHandle;

impl SyncHandle {
    /// Delivers queued jobs and backfill pages until `stop` is set, one loop per registered
    /// provider; each loop waits `idle` when its own provider had nothing to do. A step in
    /// progress always finishes: its jobs complete or are released. A loop that panics is
    /// logged and started again (its claimed jobs return when their leases expire).
    pub async fn run(&self, worker_id: impl Into<String>, idle: Duration, stop: Arc<AtomicBool>) {
        let worker = Arc::new(self.worker(worker_id));
        let mut loops = JoinSet::new();
        let mut names = HashMap::new();
        for name in self.registry.names() {
            let id = self.spawn_loop(&mut loops, &worker, name, idle, &stop);
            names.insert(id, name);
        }
        while let Some(done) = loops.join_next_with_id().await {
            let Err(err) = done else { continue };
            let Some(name) = names.remove(&err.id()) else {
                continue;
            };
            if stop.load(Ordering::SeqCst) || !err.is_panic() {
                continue;
            }
            tracing::error!(provider = name, error = %err, "the provider's sync loop failed; starting it again");
            let id = self.spawn_loop(&mut loops, &worker, name, idle, &stop);
            names.insert(id, name);
        }
    }

    fn spawn_loop(
        &self,
        loops: &mut JoinSet<()>,
        worker: &Arc<Worker>,
        provider: &'static str,
        idle: Duration,
        stop: &Arc<AtomicBool>,
    ) -> tokio::task::Id {
        let (handle, worker, stop) = (self.clone(), Arc::clone(worker), Arc::clone(stop));
        loops
            .spawn(async move { handle.provider_loop(&worker, provider, idle, &stop).await })
            .id()
    }

    async fn provider_loop(
        &self,
        worker: &Worker,
        provider: &'static str,
        idle: Duration,
        stop: &AtomicBool,
    ) {
        while !stop.load(Ordering::SeqCst) {
            let jobs = worker.run_provider_once(provider, Utc::now()).await;
            let backfills = self.resync_provider_step(provider, Utc::now()).await;
            if jobs.is_idle() && backfills.is_idle() {
                tokio::time::sleep(idle).await;
            }
        }
    }
}
