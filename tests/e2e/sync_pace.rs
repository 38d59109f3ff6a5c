//! Providers never wait on each other: the server's contact-sync worker runs one loop per
//! provider, so a slow provider's batch does not hold another provider's next batch.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rapport_integrations::testing::FakeProvider;
use rapport_integrations::{ProviderLimits, Registry};
use rapport_tests::spawn_app_with_providers;

const CONTACTS: usize = 30;
const BATCH: usize = 5;

#[tokio::test]
async fn a_slow_provider_does_not_delay_another_providers_jobs() {
    let fast = Arc::new(FakeProvider::new("fast"));
    // One call at a time, half a second each: a batch of 5 holds its step for 2.5 s.
    let slow = Arc::new(FakeProvider::new("slow").with_latency(Duration::from_millis(500)));
    let mut registry = Registry::default();
    registry
        .register(fast.clone(), ProviderLimits::unlimited())
        .expect("registered");
    let one = NonZeroUsize::new(1).expect("non-zero");
    registry
        .register(slow.clone(), ProviderLimits::in_flight(one))
        .expect("registered");
    let app = spawn_app_with_providers(
        |s| {
            // The server's own worker, as an operator runs it.
            s.sync.run_in_server = true;
            s.sync.poll_ms = 20;
            s.sync.batch_size = BATCH;
        },
        registry,
    )
    .await;
    let providers = vec!["fast".to_owned(), "slow".to_owned()];
    rapport_api::service::seed_demo_data(&app.store, &providers, 3, CONTACTS, Utc::now(), |_| {})
        .await
        .expect("seeded");

    let started = Instant::now();
    while fast.upserts().len() < CONTACTS {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the fast provider received {} of {CONTACTS} contacts in 60 s",
            fast.upserts().len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let slow_calls = slow.calls().len();
    // Sharing one step, both providers would claim the same batches and the fast provider's
    // last batch would start only after the slow one's previous batches ended: the slow
    // provider would have started at least CONTACTS - BATCH calls by then.
    assert!(
        slow_calls <= 2 * BATCH,
        "the fast provider's {CONTACTS} jobs waited for the slow provider: it had already \
         started {slow_calls} calls when the fast one was done ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}
