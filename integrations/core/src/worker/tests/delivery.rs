use rapport_domain::ids::ContactId;
use rapport_domain::values::EmailAddress;

use super::*;
use crate::testing::{FakeCall, erased_contact};
use crate::{Delivery, Outcome, SyncOutcome};

#[tokio::test]
async fn a_successful_upsert_completes_the_job_and_reports_the_external_id() {
    let h = Harness::single();
    h.contact_changed(1, t0());
    let report = h.worker.run_once(t0()).await;
    assert_eq!((report.claimed, report.count(Outcome::Synced)), (1, 1));
    assert!(h.queue.is_empty());
    let done = h.queue.completed();
    let Delivery::Upserted { sent, outcome } = &done[0].delivery else {
        panic!("expected an upsert, got {:?}", done[0].delivery);
    };
    assert_eq!(**sent, sync_contact(1));
    assert_eq!(*outcome, SyncOutcome::with_external_id("fake-1"));
    assert!(h.worker.run_once(at(1)).await.is_idle());
}

#[tokio::test]
async fn the_current_state_is_sent_not_the_state_at_enqueue() {
    let h = Harness::single();
    h.contact_changed(1, t0());
    let mut changed = sync_contact(1);
    changed.email = Some(EmailAddress::parse("ada.new@example.com").expect("valid"));
    changed.previous_email = sync_contact(1).email;
    h.source.put(changed.clone());
    h.queue
        .enqueue("fake", ContactId::new(1), JobKind::Upsert, at(1));
    let report = h.worker.run_once(at(2)).await;
    assert_eq!(report.count(Outcome::Synced), 1);
    assert_eq!(
        h.fake().upserts(),
        [changed],
        "one call, with the newest state"
    );
}

#[tokio::test]
async fn a_contact_erased_after_enqueue_is_erased_and_never_upserted() {
    let h = Harness::single();
    h.contact_changed(1, t0());
    h.source.erase(erased_contact(1));
    let report = h.worker.run_once(at(1)).await;
    assert_eq!(report.count(Outcome::Erased), 1);
    assert_eq!(h.fake().calls(), [FakeCall::Erase(erased_contact(1))]);
    assert_eq!(h.queue.completed()[0].delivery, Delivery::Erased);
}

#[tokio::test]
async fn an_erase_job_is_sent_as_an_erasure_with_the_kept_keys() {
    let h = Harness::single();
    let mut erased = erased_contact(7);
    erased.last_known_email_key = Some("5d41402abc4b2a76b9719d911017c592".to_owned());
    h.source.erase(erased.clone());
    h.queue
        .enqueue("fake", ContactId::new(7), JobKind::Erase, t0());
    h.worker.run_once(t0()).await;
    assert_eq!(h.fake().erasures(), [erased]);
}

#[tokio::test]
async fn a_contact_that_no_longer_exists_is_skipped_without_a_call() {
    let h = Harness::single();
    h.contact_changed(1, t0());
    h.source.remove(ContactId::new(1));
    let report = h.worker.run_once(t0()).await;
    assert_eq!(report.count(Outcome::Skipped), 1);
    assert!(h.fake().calls().is_empty());
    assert_eq!(h.queue.completed()[0].delivery, Delivery::Skipped);
}

#[tokio::test]
async fn every_registered_provider_gets_its_own_job_served() {
    let h = Harness::new(vec![
        (FakeProvider::new("mailchimp"), ProviderLimits::unlimited()),
        (FakeProvider::new("ringover"), ProviderLimits::unlimited()),
    ]);
    for n in 1..=3 {
        h.contact_changed(n, t0());
    }
    let report = h.worker.run_once(t0()).await;
    assert_eq!((report.claimed, report.count(Outcome::Synced)), (6, 6));
    assert!(h.fakes.iter().all(|f| f.upserts().len() == 3));
    let counters = h.worker.counters();
    assert_eq!(counters.get("mailchimp", Outcome::Synced), 3);
    assert_eq!(counters.get("ringover", Outcome::Synced), 3);
}

#[tokio::test]
async fn a_batch_claims_at_most_the_batch_size_per_provider_per_step() {
    let mut cfg = config();
    cfg.batch_size = 4;
    let h = Harness::with_config(
        vec![(FakeProvider::new("fake"), ProviderLimits::unlimited())],
        cfg,
    );
    for n in 1..=10 {
        h.contact_changed(n, t0());
    }
    let sizes = [
        h.worker.run_once(t0()).await.claimed,
        h.worker.run_once(t0()).await.claimed,
        h.worker.run_once(t0()).await.claimed,
    ];
    assert_eq!(sizes, [4, 4, 2]);
    assert_eq!(h.fake().upserts().len(), 10);
}

#[tokio::test]
async fn a_job_left_by_a_crashed_worker_is_reclaimed_once_its_lease_expires() {
    use crate::SyncQueue;
    let h = Harness::single();
    h.contact_changed(1, t0());
    let crashed = h
        .queue
        .claim("crashed", "fake", 10, config().lease, t0())
        .await;
    assert_eq!(crashed.map(|jobs| jobs.len()), Ok(1));
    assert!(h.worker.run_once(at(10)).await.is_idle(), "still leased");
    let report = h.worker.run_once(at(300)).await;
    assert_eq!(report.count(Outcome::Synced), 1);
    assert_eq!(h.fake().upserts().len(), 1);
    assert!(h.queue.is_empty());
}
