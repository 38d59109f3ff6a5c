//! The gate of one pool and the slot a caller holds while it has a connection.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnAcquireErr, DbErr};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use super::super::observe::AcquireObserver;

/// Where a store's gates report acquires, once `/metrics` is attached (shared by every gate
/// and every clone of the store).
pub(crate) type ObserverCell = Arc<OnceLock<Arc<dyn AcquireObserver>>>;

/// One pool's gate.
#[derive(Debug)]
pub(crate) struct PoolGate {
    pool: &'static str,
    permits: Arc<Semaphore>,
    timeout: Duration,
    waiting: AtomicU32,
    observer: ObserverCell,
}

/// One connection's worth of a pool, held while the connection is out.
#[derive(Debug)]
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
}

/// Counts one waiting acquire for as long as it lives (also when the wait is cancelled).
struct Waiting<'a>(&'a AtomicU32);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PoolGate {
    /// The gate of `pool`, which opens at most `size` connections; a wait gives up after
    /// `timeout` as the pool's own acquire would.
    pub(crate) fn new(
        pool: &'static str,
        size: u32,
        timeout: Duration,
        observer: ObserverCell,
    ) -> Self {
        Self {
            pool,
            permits: Arc::new(Semaphore::new(size as usize)),
            timeout,
            waiting: AtomicU32::new(0),
            observer,
        }
    }

    /// The pool's name (`writer`, `reader`, `main`).
    pub(crate) fn pool(&self) -> &'static str {
        self.pool
    }

    /// Acquires waiting for a connection now.
    pub(crate) fn waiting(&self) -> u32 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// A slot of the pool: at once when a connection is free, else after waiting for one
    /// to come back (at most the pool's acquire timeout).
    pub(crate) async fn enter(&self) -> Result<Slot, DbErr> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => {
                self.report(None);
                permit
            }
            Err(TryAcquireError::NoPermits) => self.wait().await?,
            Err(TryAcquireError::Closed) => {
                return Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
            }
        };
        Ok(Slot { _permit: permit })
    }

    async fn wait(&self) -> Result<OwnedSemaphorePermit, DbErr> {
        let started = Instant::now();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let counted = Waiting(&self.waiting);
        let outcome =
            tokio::time::timeout(self.timeout, Arc::clone(&self.permits).acquire_owned()).await;
        drop(counted);
        self.report(Some(started.elapsed()));
        match outcome {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)),
            Err(_elapsed) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        }
    }

    fn report(&self, waited: Option<Duration>) {
        if let Some(observer) = self.observer.get() {
            observer.acquired(self.pool, waited);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Debug, Default)]
    struct Seen(Mutex<Vec<(&'static str, Option<Duration>)>>);

    impl AcquireObserver for Seen {
        fn acquired(&self, pool: &'static str, waited: Option<Duration>) {
            self.0.lock().expect("seen").push((pool, waited));
        }
    }

    fn gate(timeout: Duration) -> (Arc<PoolGate>, Arc<Seen>) {
        let seen = Arc::new(Seen::default());
        let cell = ObserverCell::default();
        cell.set(seen.clone()).expect("first observer");
        (Arc::new(PoolGate::new("p", 1, timeout, cell)), seen)
    }

    #[tokio::test]
    async fn an_acquire_that_finds_the_pool_taken_waits_is_counted_and_timed() {
        let (gate, seen) = gate(Duration::from_secs(10));
        let held = gate.enter().await.expect("a free slot");
        let waiter = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.enter().await.map(drop) }
        });
        while gate.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        drop(held);
        waiter
            .await
            .expect("joined")
            .expect("the slot once given back");
        assert_eq!(gate.waiting(), 0);
        let seen = seen.0.lock().expect("seen");
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0], ("p", None), "the first found a free slot");
        assert!(
            matches!(seen[1], ("p", Some(_))),
            "the second waited: {seen:?}"
        );
    }

    #[tokio::test]
    async fn a_wait_past_the_timeout_fails_as_the_pool_would_and_stops_counting() {
        let (gate, seen) = gate(Duration::from_millis(20));
        let _held = gate.enter().await.expect("a free slot");
        let err = gate.enter().await.expect_err("no slot came back");
        assert!(
            matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            "{err:?}"
        );
        assert_eq!(gate.waiting(), 0);
        let seen = seen.0.lock().expect("seen");
        assert!(
            matches!(seen[1], ("p", Some(w)) if w >= Duration::from_millis(20)),
            "the failed wait is reported with its length: {seen:?}"
        );
    }

    #[tokio::test]
    async fn a_cancelled_wait_is_no_longer_counted() {
        let (gate, _seen) = gate(Duration::from_secs(10));
        let _held = gate.enter().await.expect("a free slot");
        let cancelled = tokio::time::timeout(Duration::from_millis(5), gate.enter()).await;
        assert!(cancelled.is_err(), "still waiting when dropped");
        assert_eq!(gate.waiting(), 0);
    }
}
