use std::num::NonZeroUsize;
use std::time::Duration;

use rapport_domain::ids::ContactId;

use super::*;
use crate::testing::{FakeResponse, JobState};
use crate::{Outcome, PausedProvider};

fn due_at(h: &Harness, provider: &str, n: i64) -> DateTime<Utc> {
    match h.queue.job(provider, ContactId::new(n)).map(|j| j.state) {
        Some(JobState::Pending { due_at }) => due_at,
        other => panic!("expected a pending job, got {other:?}"),
    }
}

#[tokio::test]
async fn a_retryable_failure_reschedules_the_job_within_the_backoff_window() {
    let h = Harness::single();
    h.fake().script([FakeResponse::retryable(None)]);
    h.contact_changed(1, t0());
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Retried), 1);
    let due = due_at(&h, "fake", 1);
    assert!(
        due >= t0() && due <= at(10),
        "first retry within base: {due}"
    );
    let job = h.queue.job("fake", ContactId::new(1)).expect("kept");
    assert_eq!(job.attempts, 1);
    assert_eq!(
        job.last_error.as_deref(),
        Some("retryable: HTTP 503 without a body")
    );
    let report = h.worker.run_once(at(10)).await;
    assert_eq!(report.count(Outcome::Synced), 1);
    assert_eq!(h.fake().calls().len(), 2);
}

#[tokio::test]
async fn a_retry_after_from_the_provider_delays_the_retry_that_long() {
    let h = Harness::single();
    h.fake()
        .script([FakeResponse::retryable(Some(Duration::from_secs(120)))]);
    h.contact_changed(1, t0());
    h.worker.run_once(t0()).await;
    assert_eq!(due_at(&h, "fake", 1), at(120));
    assert!(h.worker.run_once(at(119)).await.is_idle());
    assert_eq!(h.worker.run_once(at(120)).await.count(Outcome::Synced), 1);
}

#[tokio::test]
async fn retries_that_run_out_turn_the_job_into_a_dead_letter() {
    let h = Harness::single();
    h.fake().script([
        FakeResponse::retryable(None),
        FakeResponse::retryable(None),
        FakeResponse::retryable(None),
    ]);
    h.contact_changed(1, t0());
    let mut dead = Vec::new();
    for secs in [0, 1_000, 2_000] {
        let report = h.worker.run_once(at(secs)).await;
        assert_eq!(report.claimed, 1, "at +{secs}s");
        dead.push(report.count(Outcome::DeadLettered));
    }
    assert_eq!(dead, [0, 0, 1], "retried twice, then parked");
    let letters = h.queue.dead_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].attempts, 3);
    assert_eq!(
        letters[0].reason,
        "gave up after 3 attempts; last: HTTP 503 without a body"
    );
    assert!(h.worker.run_once(at(1_000_000)).await.is_idle());
    assert_eq!(h.fake().calls().len(), 3);
}

#[tokio::test]
async fn a_permanent_failure_dead_letters_once_and_is_never_retried() {
    let h = Harness::single();
    h.fake().script([FakeResponse::permanent(
        "HTTP 400: Member In Compliance State",
    )]);
    h.contact_changed(1, t0());
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::DeadLettered), 1);
    for secs in [1, 60, 3_600, 86_400 * 30] {
        assert!(h.worker.run_once(at(secs)).await.is_idle(), "at +{secs}s");
    }
    assert_eq!(h.fake().calls().len(), 1);
    let letters = h.queue.dead_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].reason, "HTTP 400: Member In Compliance State");
    assert_eq!(
        h.queue.job("fake", ContactId::new(1)).map(|j| j.state),
        Some(JobState::DeadLetter {
            reason: "HTTP 400: Member In Compliance State".into()
        })
    );
    assert_eq!(h.worker.counters().get("fake", Outcome::DeadLettered), 1);
}

#[tokio::test]
async fn an_unauthorized_provider_is_paused_said_so_and_skipped_by_later_steps() {
    let one = NonZeroUsize::MIN;
    let h = Harness::new(vec![
        (
            FakeProvider::new("mailchimp"),
            ProviderLimits::in_flight(one),
        ),
        (FakeProvider::new("ringover"), ProviderLimits::unlimited()),
    ]);
    h.fakes[0].script([FakeResponse::unauthorized()]);
    for n in 1..=3 {
        h.contact_changed(n, t0());
    }
    let report = h.worker.run_once(t0()).await;
    let reason = "HTTP 401: API Key Invalid".to_owned();
    assert_eq!(
        report.paused,
        [PausedProvider {
            provider: "mailchimp",
            reason: reason.clone()
        }]
    );
    assert_eq!(
        (report.count(Outcome::Paused), report.count(Outcome::Synced)),
        (3, 3)
    );
    assert_eq!(
        h.fakes[0].calls().len(),
        1,
        "the rest of the batch waits without calling"
    );
    assert_eq!(h.queue.pause_reason("mailchimp"), Some(reason));

    let later = h.worker.run_once(at(3_600)).await;
    assert_eq!(later.skipped_paused, ["mailchimp"]);
    assert!(later.is_idle());
    assert_eq!(h.fakes[0].calls().len(), 1);
    assert_eq!(h.queue.len(), 3, "no job lost its place");

    h.queue.resume_provider("mailchimp");
    let resumed = h.worker.run_once(at(3_601)).await;
    assert_eq!(resumed.count(Outcome::Synced), 3);
    assert_eq!(h.worker.counters().get("mailchimp", Outcome::Paused), 3);
    assert!(h.queue.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_call_that_stalls_past_the_call_timeout_is_retried() {
    let h = Harness::single();
    h.fake().script([FakeResponse::Stall]);
    h.contact_changed(1, t0());
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Retried), 1);
    let job = h.queue.job("fake", ContactId::new(1)).expect("kept");
    let error = job.last_error.unwrap_or_default();
    assert!(error.contains("did not answer in time"), "{error}");
}

#[tokio::test]
async fn a_contact_that_cannot_be_loaded_is_retried_without_a_call() {
    let h = Harness::single();
    h.contact_changed(1, t0());
    h.source.set_failing(true);
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Retried), 1);
    assert!(h.fake().calls().is_empty());
    h.source.set_failing(false);
    assert_eq!(h.worker.run_once(at(600)).await.count(Outcome::Synced), 1);
}
