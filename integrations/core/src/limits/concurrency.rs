use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most N calls in flight: a semaphore shared by every task that calls one provider.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    permits: Option<Arc<Semaphore>>,
}

/// A slot in a [`ConcurrencyLimit`], given back when dropped.
#[derive(Debug)]
pub struct ConcurrencyPermit {
    _permit: Option<OwnedSemaphorePermit>,
}

impl ConcurrencyLimit {
    /// At most `max` in flight.
    pub fn new(max: NonZeroUsize) -> Self {
        Self {
            permits: Some(Arc::new(Semaphore::new(max.get()))),
        }
    }

    /// No limit.
    pub fn unlimited() -> Self {
        Self { permits: None }
    }

    /// A limit of `max` if given, none otherwise.
    pub fn from_option(max: Option<NonZeroUsize>) -> Self {
        max.map_or_else(Self::unlimited, Self::new)
    }

    /// Waits for a free slot. Fair: waiters are served in the order they arrived.
    pub async fn acquire(&self) -> ConcurrencyPermit {
        let permit = match &self.permits {
            // The semaphore is private and never closed, so acquiring cannot fail.
            Some(permits) => Arc::clone(permits).acquire_owned().await.ok(),
            None => None,
        };
        ConcurrencyPermit { _permit: permit }
    }

    /// Free slots right now (`None` when unlimited).
    pub fn available(&self) -> Option<usize> {
        self.permits.as_ref().map(|p| p.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_limit_run_at_once_across_many_tasks() {
        let limit = ConcurrencyLimit::new(NonZeroUsize::new(3).expect("non-zero"));
        let current = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..40u64 {
            let (limit, current, peak) = (limit.clone(), current.clone(), peak.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire().await;
                let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10 + i % 7)).await;
                current.fetch_sub(1, Ordering::SeqCst);
            });
        }
        while tasks.join_next().await.is_some() {}
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        assert_eq!(limit.available(), Some(3));
    }

    #[tokio::test]
    async fn an_unlimited_limit_never_waits() {
        let limit = ConcurrencyLimit::unlimited();
        let permits: Vec<_> = futures_of(&limit, 1_000).await;
        assert_eq!(permits.len(), 1_000);
        assert_eq!(limit.available(), None);
    }

    async fn futures_of(limit: &ConcurrencyLimit, n: usize) -> Vec<ConcurrencyPermit> {
        let mut permits = Vec::with_capacity(n);
        for _ in 0..n {
            permits.push(limit.acquire().await);
        }
        permits
    }
}
