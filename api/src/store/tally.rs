//! Statements per request. The store's statement hook adds to the tally of the task it runs
//! in; a request runs inside [`StatementTally::scope`], and the DataLoaders spawn their batches
//! with [`spawn_counted`] so their statements count toward the request that asked for them.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static TALLY: Arc<AtomicU64>;
}

/// The statements run on behalf of one request.
#[derive(Debug, Clone, Default)]
pub struct StatementTally(Arc<AtomicU64>);

impl StatementTally {
    /// Runs `work`, counting its statements (and those of the batches it spawns) here.
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        TALLY.scope(Arc::clone(&self.0), work).await
    }

    /// Statements counted so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Called by the statement hook.
pub(super) fn note() {
    let _ = TALLY.try_with(|t| t.fetch_add(1, Ordering::Relaxed));
}

/// `tokio::spawn`, keeping the spawning request's tally for the spawned work.
pub fn spawn_counted<F>(work: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match TALLY.try_with(Arc::clone) {
        Ok(tally) => tokio::spawn(TALLY.scope(tally, work)),
        Err(_) => tokio::spawn(work),
    }
}
