use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rapport_domain::ids::ContactId;

use super::{InMemoryQueue, JobState};
use crate::{ClaimedJob, Delivery, JobKind, QueueError, SyncError, SyncQueue};

const LEASE: Duration = Duration::from_secs(60);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .expect("a valid time")
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

fn c(n: i64) -> ContactId {
    ContactId::new(n)
}

async fn claim(
    q: &InMemoryQueue,
    worker: &str,
    limit: usize,
    now: DateTime<Utc>,
) -> Vec<ClaimedJob> {
    q.claim(worker, "mailchimp", limit, LEASE, now)
        .await
        .expect("the in-memory queue never fails")
}

#[tokio::test]
async fn a_claimed_job_is_not_handed_to_another_worker() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let first = claim(&q, "w1", 10, t0()).await;
    let second = claim(&q, "w2", 10, at(1)).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].lease.worker_id, "w1");
    assert_eq!(first[0].job.attempts, 1);
    assert!(second.is_empty());
}

#[tokio::test]
async fn an_expired_lease_makes_the_job_claimable_again_and_counts_the_attempt() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let crashed = claim(&q, "w1", 10, t0()).await;
    assert!(
        claim(&q, "w2", 10, at(59)).await.is_empty(),
        "lease still held"
    );
    let reclaimed = claim(&q, "w2", 10, at(60)).await;
    assert_eq!(reclaimed.len(), 1);
    assert_eq!(reclaimed[0].job.id, crashed[0].job.id);
    assert_eq!(reclaimed[0].job.attempts, 2);
    assert_ne!(reclaimed[0].lease.token, crashed[0].lease.token);
}

#[tokio::test]
async fn an_outcome_under_a_lost_lease_is_refused_and_changes_nothing() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let slow = claim(&q, "w1", 10, t0()).await.remove(0);
    let fresh = claim(&q, "w2", 10, at(61)).await.remove(0);
    let lost = Err(QueueError::LeaseLost { job: slow.job.id });
    assert_eq!(q.complete(&slow, &Delivery::Skipped, at(62)).await, lost);
    let err = SyncError::retryable("late");
    assert_eq!(q.retry_later(&slow, &err, at(62)).await, lost);
    assert_eq!(q.dead_letter(&slow, "late", at(62)).await, lost);
    assert!(matches!(
        q.job("mailchimp", c(1)).map(|j| j.state),
        Some(JobState::Leased(l)) if l.worker_id == "w2"
    ));
    assert_eq!(q.complete(&fresh, &Delivery::Skipped, at(62)).await, Ok(()));
    assert!(q.is_empty());
    assert_eq!(
        q.complete(&fresh, &Delivery::Skipped, at(63)).await,
        Err(QueueError::LeaseLost { job: fresh.job.id })
    );
}

#[tokio::test]
async fn a_claim_takes_at_most_the_limit_oldest_first_and_only_for_its_provider() {
    let q = InMemoryQueue::new();
    for n in 1..=5 {
        q.enqueue("mailchimp", c(n), JobKind::Upsert, at(10 - n));
    }
    q.enqueue("ringover", c(9), JobKind::Upsert, t0());
    let jobs = claim(&q, "w1", 3, at(10)).await;
    let contacts: Vec<i64> = jobs.iter().map(|j| j.job.contact_id.get()).collect();
    assert_eq!(contacts, [5, 4, 3]);
    assert!(jobs.iter().all(|j| j.job.provider == "mailchimp"));
}

#[tokio::test]
async fn a_job_is_not_claimed_before_it_is_due() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let job = claim(&q, "w1", 1, t0()).await.remove(0);
    let err = SyncError::retryable("HTTP 503 without a body");
    q.retry_later(&job, &err, at(30)).await.expect("held");
    assert!(claim(&q, "w1", 1, at(29)).await.is_empty());
    let again = claim(&q, "w1", 1, at(30)).await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        q.job("mailchimp", c(1)).and_then(|j| j.last_error),
        Some("retryable: HTTP 503 without a body".into())
    );
}

#[tokio::test]
async fn enqueueing_twice_for_the_same_provider_and_contact_keeps_one_job() {
    let q = InMemoryQueue::new();
    let a = q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let b = q.enqueue("mailchimp", c(1), JobKind::Upsert, at(5));
    let other = q.enqueue("ringover", c(1), JobKind::Upsert, at(5));
    assert_eq!(a, b);
    assert_ne!(a, other);
    assert_eq!(q.len(), 2);
    assert_eq!(claim(&q, "w1", 10, at(5)).await.len(), 1);
}

#[tokio::test]
async fn an_erase_supersedes_a_pending_upsert_and_an_upsert_never_undoes_an_erase() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    q.enqueue("mailchimp", c(1), JobKind::Erase, at(1));
    q.enqueue("mailchimp", c(1), JobKind::Upsert, at(2));
    assert_eq!(
        q.job("mailchimp", c(1)).map(|j| j.kind),
        Some(JobKind::Erase)
    );
    let jobs = claim(&q, "w1", 10, at(3)).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].job.kind, JobKind::Erase);
}

#[tokio::test]
async fn a_change_while_leased_runs_the_job_again_after_it_completes() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let job = claim(&q, "w1", 1, t0()).await.remove(0);
    q.enqueue("mailchimp", c(1), JobKind::Erase, at(1));
    assert!(
        claim(&q, "w2", 1, at(2)).await.is_empty(),
        "never two claims at once"
    );
    q.complete(&job, &Delivery::Skipped, at(3))
        .await
        .expect("held");
    let view = q.job("mailchimp", c(1)).expect("runs again");
    assert_eq!(view.kind, JobKind::Erase);
    assert_eq!(view.attempts, 0);
    assert_eq!(view.state, JobState::Pending { due_at: at(3) });
    assert_eq!(claim(&q, "w2", 1, at(3)).await.len(), 1);
}

#[tokio::test]
async fn a_change_while_leased_is_kept_when_the_attempt_is_retried_or_reclaimed() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let job = claim(&q, "w1", 1, t0()).await.remove(0);
    q.enqueue("mailchimp", c(1), JobKind::Erase, at(1));
    let err = SyncError::retryable("HTTP 502 without a body");
    q.retry_later(&job, &err, at(20)).await.expect("held");
    let view = q.job("mailchimp", c(1)).expect("kept");
    assert_eq!(
        (view.kind, view.attempts, view.rerun),
        (JobKind::Erase, 1, None)
    );

    q.enqueue("mailchimp", c(2), JobKind::Upsert, t0());
    claim(&q, "w1", 1, t0()).await;
    q.enqueue("mailchimp", c(2), JobKind::Erase, at(1));
    let reclaimed = claim(&q, "w2", 5, at(61)).await;
    let second = reclaimed
        .iter()
        .find(|j| j.job.contact_id == c(2))
        .expect("reclaimed");
    assert_eq!(second.job.kind, JobKind::Erase);
}

#[tokio::test]
async fn a_dead_letter_stays_parked_until_a_new_change_revives_it() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let job = claim(&q, "w1", 1, t0()).await.remove(0);
    q.dead_letter(&job, "HTTP 400: Invalid Resource", at(1))
        .await
        .expect("held");
    assert!(claim(&q, "w1", 1, at(10_000)).await.is_empty());
    assert_eq!(q.dead_letters().len(), 1);
    assert_eq!(q.dead_letters()[0].reason, "HTTP 400: Invalid Resource");
    q.enqueue("mailchimp", c(1), JobKind::Upsert, at(20_000));
    let revived = claim(&q, "w1", 1, at(20_000)).await;
    assert_eq!(revived.len(), 1);
    assert_eq!(revived[0].job.attempts, 1);
}

#[tokio::test]
async fn a_change_during_an_attempt_that_dead_letters_gets_one_fresh_attempt() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Upsert, t0());
    let job = claim(&q, "w1", 1, t0()).await.remove(0);
    q.enqueue("mailchimp", c(1), JobKind::Upsert, at(1));
    q.dead_letter(&job, "HTTP 400: Invalid Resource", at(2))
        .await
        .expect("held");
    assert_eq!(q.dead_letters().len(), 1);
    let view = q.job("mailchimp", c(1)).expect("pending again");
    assert_eq!(
        (view.attempts, view.state),
        (0, JobState::Pending { due_at: at(2) })
    );
}

#[tokio::test]
async fn a_paused_provider_stays_paused_until_resumed() {
    let q = InMemoryQueue::new();
    assert_eq!(q.is_paused("mailchimp").await, Ok(false));
    q.pause_provider("mailchimp", "HTTP 401: API Key Invalid", t0())
        .await
        .expect("paused");
    assert_eq!(q.is_paused("mailchimp").await, Ok(true));
    assert_eq!(q.is_paused("ringover").await, Ok(false));
    assert_eq!(
        q.pause_reason("mailchimp").as_deref(),
        Some("HTTP 401: API Key Invalid")
    );
    q.resume_provider("mailchimp");
    assert_eq!(q.is_paused("mailchimp").await, Ok(false));
}

#[tokio::test]
async fn completing_records_what_was_delivered_and_removes_the_job() {
    let q = InMemoryQueue::new();
    q.enqueue("mailchimp", c(1), JobKind::Erase, t0());
    let job = claim(&q, "w1", 1, t0()).await.remove(0);
    q.complete(&job, &Delivery::Erased, at(1))
        .await
        .expect("held");
    assert!(q.job("mailchimp", c(1)).is_none());
    let done = q.completed();
    assert_eq!(done.len(), 1);
    assert_eq!(
        (done[0].contact_id, &done[0].delivery),
        (c(1), &Delivery::Erased)
    );
}
