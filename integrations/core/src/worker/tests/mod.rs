//! Worker tests: an in-memory queue and source, scripted fake providers, steps run by hand.

mod delivery;
mod failures;
mod limits;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rapport_domain::ids::ContactId;

use super::{Worker, WorkerConfig};
use crate::testing::{FakeProvider, InMemoryQueue, InMemorySource, sync_contact};
use crate::{JobKind, ProviderLimits, Registry, RetryPolicy};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .expect("a valid time")
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

fn config() -> WorkerConfig {
    WorkerConfig {
        worker_id: "w1".to_owned(),
        batch_size: 50,
        lease: Duration::from_secs(300),
        call_timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(600),
            max_attempts: 3,
            max_retry_after: Duration::from_secs(3_600),
        },
    }
}

struct Harness {
    queue: Arc<InMemoryQueue>,
    source: Arc<InMemorySource>,
    fakes: Vec<Arc<FakeProvider>>,
    worker: Worker,
}

impl Harness {
    fn new(providers: Vec<(FakeProvider, ProviderLimits)>) -> Self {
        Self::with_config(providers, config())
    }

    fn with_config(providers: Vec<(FakeProvider, ProviderLimits)>, config: WorkerConfig) -> Self {
        let queue = Arc::new(InMemoryQueue::new());
        let source = Arc::new(InMemorySource::new());
        let mut registry = Registry::new();
        let mut fakes = Vec::new();
        for (fake, limits) in providers {
            let fake = Arc::new(fake);
            fakes.push(Arc::clone(&fake));
            registry.register(fake, limits).expect("distinct names");
        }
        let worker = Worker::new(config, Arc::new(registry), queue.clone(), source.clone())
            .with_rng(StdRng::seed_from_u64(42));
        Self {
            queue,
            source,
            fakes,
            worker,
        }
    }

    /// One provider named `fake`, unlimited.
    fn single() -> Self {
        Self::new(vec![(
            FakeProvider::new("fake"),
            ProviderLimits::unlimited(),
        )])
    }

    fn fake(&self) -> &FakeProvider {
        &self.fakes[0]
    }

    /// Stores contact `n` and enqueues an upsert for every provider.
    fn contact_changed(&self, n: i64, now: DateTime<Utc>) {
        self.source.put(sync_contact(n));
        for fake in &self.fakes {
            use crate::ContactSync;
            self.queue
                .enqueue(fake.name(), ContactId::new(n), JobKind::Upsert, now);
        }
    }
}
