use rapport_domain::account::RelationshipType;
use rapport_domain::contact::EmailConsent;
use rapport_domain::ids::ContactId;
use rapport_domain::values::EmailAddress;
use rapport_integrations::SyncContact;
use rapport_integrations::testing::sync_contact;
use rapport_mailchimp::{BatchRejection, BatchSkip, SkipReason, SubscriberHash};
use serde_json::json;

use crate::support::{LIST, MockServer, Reply, healthy, provider};

fn contacts(count: i64) -> Vec<SyncContact> {
    (1..=count).map(sync_contact).collect()
}

#[tokio::test]
async fn a_batch_of_1201_contacts_takes_three_calls_of_at_most_500_members() {
    let server = MockServer::start(healthy).await;

    let report = provider(&server)
        .batch_subscribe(&contacts(1_201))
        .await
        .expect("sent");

    let mut sizes: Vec<usize> = server
        .requests()
        .iter()
        .map(|r| {
            assert_eq!(r.call(), "POST ");
            r.json()["members"].as_array().expect("members").len()
        })
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [201, 500, 500]);
    assert_eq!(report.calls, 3);
    assert_eq!(report.created, 1_201);
    assert_eq!(report.synced.len(), 1_201);
    assert_eq!(
        report.synced[0].external_id,
        SubscriberHash::of(&EmailAddress::parse("ada1@example.com").expect("valid")).into_string()
    );
}

#[tokio::test]
async fn batch_members_carry_status_if_new_merge_fields_and_the_tag_but_never_status() {
    let server = MockServer::start(healthy).await;
    let mut pending = sync_contact(2);
    pending.consent = EmailConsent::Pending;
    pending.relationship = RelationshipType::Client;

    provider(&server)
        .batch_subscribe(&[sync_contact(1), pending])
        .await
        .expect("sent");

    let body = server.requests()[0].json();
    assert_eq!(server.requests()[0].path, format!("/3.0/lists/{LIST}"));
    assert_eq!(
        body,
        json!({
            "members": [
                {
                    "email_address": "ada1@example.com",
                    "status_if_new": "subscribed",
                    "merge_fields": {"FNAME": "Ada 1", "LNAME": "Lovelace", "PHONE": "+33600000001", "RELTYPE": "CUSTOMER"},
                    "tags": ["customer"],
                },
                {
                    "email_address": "ada2@example.com",
                    "status_if_new": "pending",
                    "merge_fields": {"FNAME": "Ada 2", "LNAME": "Lovelace", "PHONE": "+33600000002", "RELTYPE": "CLIENT"},
                    "tags": ["client"],
                },
            ],
            "update_existing": true,
        })
    );
}

#[tokio::test]
async fn contacts_the_batch_cannot_express_are_skipped_with_a_reason() {
    let server = MockServer::start(healthy).await;
    let mut no_email = sync_contact(2);
    no_email.email = None;
    let mut never_asked = sync_contact(3);
    never_asked.consent = EmailConsent::None;
    let mut moved = sync_contact(4);
    moved.previous_email = Some(EmailAddress::parse("old4@example.com").expect("valid"));
    let mut twin = sync_contact(5);
    twin.email = Some(EmailAddress::parse("ADA1@example.com").expect("valid"));
    let mut opted_out = sync_contact(6);
    opted_out.consent = EmailConsent::Unsubscribed;
    opted_out.previous_consent = Some(EmailConsent::Subscribed);
    let mut back = sync_contact(7);
    back.previous_consent = Some(EmailConsent::Unsubscribed);

    let report = provider(&server)
        .batch_subscribe(&[
            sync_contact(1),
            no_email,
            never_asked,
            moved,
            twin,
            opted_out,
            back,
        ])
        .await
        .expect("sent");

    let skip = |n, reason| BatchSkip {
        contact_id: ContactId::new(n),
        reason,
    };
    assert_eq!(
        report.skipped,
        [
            skip(2, SkipReason::NoEmail),
            skip(3, SkipReason::NotToBeCreated),
            skip(4, SkipReason::EmailChanged),
            skip(5, SkipReason::DuplicateAddress),
            skip(6, SkipReason::ConsentChanged),
            skip(7, SkipReason::ConsentChanged),
        ]
    );
    assert_eq!(
        server.requests()[0].json()["members"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn members_mailchimp_refuses_are_reported_by_contact_with_the_error_code() {
    let server = MockServer::start(|_| {
        Reply::json(
            200,
            json!({
                "new_members": [], "updated_members": [],
                "total_created": 1, "total_updated": 0, "error_count": 1,
                "errors": [{"email_address": "ADA2@example.com", "error": "ada2@example.com is in a compliance state", "error_code": "ERROR_GENERIC"}],
            }),
        )
    })
    .await;

    let report = provider(&server)
        .batch_subscribe(&contacts(2))
        .await
        .expect("sent");

    assert_eq!(
        report.rejected,
        [BatchRejection {
            contact_id: ContactId::new(2),
            error_code: "ERROR_GENERIC".into()
        }]
    );
    assert_eq!(report.synced.len(), 1);
    assert_eq!(report.synced[0].contact_id, ContactId::new(1));
}

#[tokio::test]
async fn a_failed_batch_call_leaves_its_contacts_unsent_for_the_per_contact_upsert() {
    let server = MockServer::start(|_| Reply::status(503)).await;

    let report = provider(&server)
        .batch_subscribe(&contacts(3))
        .await
        .expect("reported");

    assert_eq!(report.unsent.len(), 3);
    assert!(report.unsent.iter().all(|u| u.error.is_retryable()));
    assert!(report.synced.is_empty());
}

#[tokio::test]
async fn an_unauthorized_batch_call_fails_the_whole_batch() {
    let server = MockServer::start(|_| Reply::problem(401, "API Key Invalid")).await;

    let err = provider(&server)
        .batch_subscribe(&contacts(600))
        .await
        .expect_err("every call would fail");

    assert_eq!(err.code(), "UNAUTHORIZED");
}

#[tokio::test]
async fn a_batch_answer_that_is_not_json_leaves_the_contacts_unsent_as_retryable() {
    let server = MockServer::start(|_| Reply::Respond {
        status: 200,
        headers: Vec::new(),
        body: b"<html>".to_vec(),
    })
    .await;

    let report = provider(&server)
        .batch_subscribe(&contacts(2))
        .await
        .expect("reported");

    assert_eq!(report.unsent.len(), 2);
    assert!(report.unsent[0].error.is_retryable());
}

#[tokio::test]
async fn an_empty_batch_makes_no_call() {
    let server = MockServer::start(healthy).await;
    let report = provider(&server)
        .batch_subscribe(&[])
        .await
        .expect("nothing");
    assert_eq!(report.calls, 0);
    assert!(server.calls().is_empty());
}
