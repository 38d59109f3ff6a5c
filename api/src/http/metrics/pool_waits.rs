//! The waits of the database pools: every acquire the store's gates report (see
//! `store::gate`) lands here as it happens, on the pool's label.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::families::{Metrics, PoolNameLabels};
use crate::store::AcquireObserver;

/// From no wait (below 0.1 ms) to the pools' acquire timeouts (10 s PostgreSQL, 30 s SQLite).
const BUCKETS: [f64; 12] = [
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0,
];

fn wait_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The acquires that waited, and how long every acquire waited, by pool.
#[derive(Debug, Clone)]
pub struct PoolWaits {
    waits: Family<PoolNameLabels, Counter>,
    seconds: Family<PoolNameLabels, Histogram>,
}

impl PoolWaits {
    /// The two families, registered in `registry`.
    pub(super) fn registered(registry: &mut Registry) -> Self {
        let waits = Family::<PoolNameLabels, Counter>::default();
        registry.register(
            "rapport_db_pool_acquire_waits",
            "Acquires that found every connection of the pool in use and waited for one",
            waits.clone(),
        );
        let seconds = Family::<PoolNameLabels, Histogram>::new_with_constructor(
            wait_histogram as fn() -> Histogram,
        );
        registry.register(
            "rapport_db_pool_acquire_wait_seconds",
            "How long each acquire waited for a free connection of the pool (0 when one was free)",
            seconds.clone(),
        );
        Self { waits, seconds }
    }

    /// Shows `pool` (at zero) before its first acquire.
    pub(super) fn touch(&self, pool: &'static str) {
        let labels = PoolNameLabels { pool };
        drop(self.waits.get_or_create(&labels));
        drop(self.seconds.get_or_create(&labels));
    }
}

impl AcquireObserver for PoolWaits {
    fn acquired(&self, pool: &'static str, waited: Option<Duration>) {
        let labels = PoolNameLabels { pool };
        if waited.is_some() {
            self.waits.get_or_create(&labels).inc();
        }
        self.seconds
            .get_or_create(&labels)
            .observe(waited.map_or(0.0, |w| w.as_secs_f64()));
    }
}

impl Metrics {
    /// Where the store reports its pools' acquires (`Store::observe_acquires`).
    pub fn pool_waits(&self) -> Arc<dyn AcquireObserver> {
        Arc::new(self.pool_waits.clone())
    }
}
