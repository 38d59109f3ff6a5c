use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use rapport_domain::ids::ContactId;

use super::*;
use crate::testing::JobState;
use crate::{Outcome, Rate};

#[tokio::test(start_paused = true)]
async fn a_provider_never_has_more_calls_in_flight_than_its_cap() {
    let ten = NonZeroUsize::new(10).expect("non-zero");
    let h = Harness::new(vec![
        (
            FakeProvider::new("mailchimp").with_latency(Duration::from_millis(200)),
            ProviderLimits::in_flight(ten),
        ),
        (
            FakeProvider::new("uncapped").with_latency(Duration::from_millis(200)),
            ProviderLimits::unlimited(),
        ),
    ]);
    for n in 1..=45 {
        h.contact_changed(n, t0());
    }
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Synced), 90);
    assert_eq!(h.fakes[0].max_in_flight(), 10);
    assert_eq!(
        h.fakes[1].max_in_flight(),
        45,
        "without the cap the batch runs at once"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_provider_stays_under_its_rate() {
    let rate = Rate::per_second(NonZeroU32::new(2).expect("non-zero"));
    let h = Harness::new(vec![(
        FakeProvider::new("ringover"),
        ProviderLimits::rate(rate),
    )]);
    for n in 1..=9 {
        h.contact_changed(n, t0());
    }
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Synced), 9);
    let times = h.fake().call_times();
    let start = times[0];
    let offsets: Vec<u128> = times.iter().map(|t| (*t - start).as_millis()).collect();
    assert_eq!(
        offsets,
        [0, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000]
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_whose_lease_would_run_out_mid_call_is_deferred_without_a_call() {
    let mut cfg = config();
    cfg.lease = Duration::from_secs(10);
    cfg.call_timeout = Duration::from_secs(8);
    let rate = Rate::per_second(NonZeroU32::MIN);
    let h = Harness::with_config(
        vec![(FakeProvider::new("ringover"), ProviderLimits::rate(rate))],
        cfg,
    );
    for n in 1..=5 {
        h.contact_changed(n, t0());
    }
    let report = h.worker.run_once(t0()).await;
    assert_eq!(
        (
            report.count(Outcome::Synced),
            report.count(Outcome::Deferred)
        ),
        (3, 2)
    );
    assert_eq!(h.fake().calls().len(), 3);
    let deferred: Vec<i64> = (1..=5)
        .filter(|&n| {
            matches!(
                h.queue.job("ringover", ContactId::new(n)).map(|j| j.state),
                Some(JobState::Pending { due_at }) if due_at == t0()
            )
        })
        .collect();
    assert_eq!(deferred.len(), 2, "released as due at once");
}

/// A queue whose every write takes a second: a slow database.
struct SlowWrites(Arc<crate::testing::InMemoryQueue>);

#[async_trait::async_trait]
impl crate::SyncQueue for SlowWrites {
    async fn claim(
        &self,
        worker_id: &str,
        provider: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::ClaimedJob>, crate::QueueError> {
        self.0.claim(worker_id, provider, limit, lease, now).await
    }

    async fn complete(
        &self,
        job: &crate::ClaimedJob,
        delivery: &crate::Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), crate::QueueError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.0.complete(job, delivery, now).await
    }

    async fn retry_later(
        &self,
        job: &crate::ClaimedJob,
        error: &crate::SyncError,
        at: DateTime<Utc>,
    ) -> Result<(), crate::QueueError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.0.retry_later(job, error, at).await
    }

    async fn dead_letter(
        &self,
        job: &crate::ClaimedJob,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), crate::QueueError> {
        self.0.dead_letter(job, reason, now).await
    }

    async fn pause_provider(
        &self,
        provider: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), crate::QueueError> {
        self.0.pause_provider(provider, reason, now).await
    }

    async fn is_paused(&self, provider: &str) -> Result<bool, crate::QueueError> {
        self.0.is_paused(provider).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_provider_connection_is_not_held_while_the_outcome_is_recorded() {
    let one = NonZeroUsize::new(1).expect("non-zero");
    let fake = Arc::new(FakeProvider::new("mailchimp").with_latency(Duration::from_millis(100)));
    let mut registry = Registry::new();
    registry
        .register(fake.clone(), ProviderLimits::in_flight(one))
        .expect("registered");
    let queue = Arc::new(InMemoryQueue::new());
    let source = Arc::new(InMemorySource::new());
    for n in 1..=3 {
        source.put(sync_contact(n));
        queue.enqueue("mailchimp", ContactId::new(n), JobKind::Upsert, t0());
    }
    let worker = Worker::new(
        config(),
        Arc::new(registry),
        Arc::new(SlowWrites(queue.clone())),
        source,
    );
    let report = worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Synced), 3);
    let times = fake.call_times();
    let offsets: Vec<u128> = times.iter().map(|t| (*t - times[0]).as_millis()).collect();
    // One connection: each call waits for the one before it, not for its second-long write.
    assert_eq!(offsets, [0, 100, 200]);
    assert_eq!(queue.completed().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_paced_providers_step_does_not_hold_another_providers_steps() {
    let rate = Rate::per_second(NonZeroU32::new(2).expect("non-zero"));
    let mut cfg = config();
    cfg.batch_size = 10;
    let h = Harness::with_config(
        vec![
            (FakeProvider::new("mailchimp"), ProviderLimits::unlimited()),
            (FakeProvider::new("ringover"), ProviderLimits::rate(rate)),
        ],
        cfg,
    );
    for n in 1..=30 {
        h.contact_changed(n, t0());
    }
    let started = tokio::time::Instant::now();
    let paced = h.worker.run_provider_once("ringover", t0());
    let fast = async {
        let mut steps = 0;
        while !h
            .worker
            .run_provider_once("mailchimp", t0())
            .await
            .is_idle()
        {
            steps += 1;
        }
        (steps, started.elapsed())
    };
    let (paced, (steps, fast_elapsed)) = tokio::join!(paced, fast);
    assert_eq!(steps, 3, "mailchimp's 30 jobs take three steps of 10");
    assert_eq!(h.fakes[0].calls().len(), 30);
    assert_eq!(
        fast_elapsed,
        Duration::ZERO,
        "mailchimp's steps never waited for ringover's paced batch"
    );
    assert_eq!(paced.count(Outcome::Synced), 10);
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(4_500),
        "ringover's batch of 10 at 2 per second"
    );
}

#[tokio::test]
async fn a_step_for_a_provider_that_is_not_registered_says_so() {
    let h = Harness::single();
    let report = h.worker.run_provider_once("nowhere", t0()).await;
    assert!(report.is_idle());
    assert_eq!(report.errors, ["nowhere: no such provider is registered"]);
}
