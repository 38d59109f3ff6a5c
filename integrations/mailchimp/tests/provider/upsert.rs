use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use rapport_domain::account::RelationshipType;
use rapport_domain::contact::EmailConsent;
use rapport_domain::values::EmailAddress;
use rapport_integrations::testing::sync_contact;
use rapport_integrations::{ContactSync, SyncOutcome};
use rapport_mailchimp::MailchimpProvider;
use serde_json::json;

use crate::support::{MockServer, Reply, config, healthy, member_json, provider};

const ADA1_HASH: &str = "4479089b4a45ae935903ec1a5d72de85";

fn hash(email: &str) -> String {
    rapport_mailchimp::SubscriberHash::of(&EmailAddress::parse(email).expect("valid")).into_string()
}

#[tokio::test]
async fn an_upsert_puts_the_member_at_the_hash_of_the_lowercased_address_then_sets_its_tags() {
    let server = MockServer::start(healthy).await;
    let mut contact = sync_contact(1);
    contact.email = Some(EmailAddress::parse("Ada1@Example.COM").expect("valid"));

    let outcome = provider(&server).upsert(&contact).await.expect("synced");

    let member = hash("ada1@example.com");
    assert_eq!(member, ADA1_HASH);
    assert_eq!(
        server.calls(),
        [
            format!("PUT /members/{member}"),
            format!("POST /members/{member}/tags")
        ]
    );
    assert_eq!(outcome, SyncOutcome::with_external_id(member));
    let put = &server.requests()[0];
    assert_eq!(put.json()["email_address"], "Ada1@Example.COM");
    assert_eq!(put.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn requests_authenticate_with_the_api_key_as_the_basic_password() {
    let server = MockServer::start(healthy).await;
    provider(&server)
        .upsert(&sync_contact(1))
        .await
        .expect("synced");
    // base64("rapport:0123456789abcdef-us19")
    let expected = "Basic cmFwcG9ydDowMTIzNDU2Nzg5YWJjZGVmLXVzMTk=";
    for request in server.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(expected),
            "{}",
            request.call()
        );
    }
}

#[tokio::test]
async fn the_put_body_takes_status_if_new_from_consent_and_never_carries_status_or_tags() {
    for (consent, expected) in [
        (EmailConsent::Subscribed, "subscribed"),
        (EmailConsent::Pending, "pending"),
        (EmailConsent::Unsubscribed, "unsubscribed"),
    ] {
        let server = MockServer::start(healthy).await;
        let mut contact = sync_contact(1);
        contact.consent = consent;
        provider(&server).upsert(&contact).await.expect("synced");

        let put = server.requests()[0].json();
        assert_eq!(put["status_if_new"], expected, "{consent}");
        let keys: Vec<&str> = put
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["email_address", "status_if_new", "merge_fields"],
            "{consent}"
        );
        assert_eq!(
            put["merge_fields"],
            json!({"FNAME": "Ada 1", "LNAME": "Lovelace", "PHONE": "+33600000001", "RELTYPE": "CUSTOMER"}),
        );
    }
}

#[tokio::test]
async fn a_consent_change_made_here_puts_status_unsubscribed_for_an_opt_out_and_pending_for_an_opt_in()
 {
    for (previous, consent, expected) in [
        (
            EmailConsent::Subscribed,
            EmailConsent::Unsubscribed,
            "unsubscribed",
        ),
        (
            EmailConsent::Unsubscribed,
            EmailConsent::Subscribed,
            "pending",
        ),
        (EmailConsent::Cleaned, EmailConsent::Pending, "pending"),
    ] {
        let server = MockServer::start(healthy).await;
        let mut contact = sync_contact(1);
        contact.consent = consent;
        contact.previous_consent = Some(previous);
        provider(&server).upsert(&contact).await.expect("synced");

        let put = &server.requests()[0];
        assert_eq!(put.call(), format!("PUT /members/{ADA1_HASH}"));
        assert_eq!(put.json()["status"], expected, "{previous} → {consent}");
    }
}

#[tokio::test]
async fn a_contact_never_asked_or_cleaned_updates_an_existing_member_and_creates_none() {
    for consent in [EmailConsent::None, EmailConsent::Cleaned] {
        let server = MockServer::start(healthy).await;
        let mut contact = sync_contact(1);
        contact.consent = consent;
        let outcome = provider(&server).upsert(&contact).await.expect("synced");

        let member = hash("ada1@example.com");
        assert_eq!(
            server.calls(),
            [
                format!("PATCH /members/{member}"),
                format!("POST /members/{member}/tags")
            ],
            "{consent}"
        );
        let patch = server.requests()[0].json();
        assert!(patch.get("status_if_new").is_none() && patch.get("status").is_none());
        assert_eq!(outcome, SyncOutcome::with_external_id(member));
    }
}

#[tokio::test]
async fn a_contact_never_asked_with_no_member_at_mailchimp_is_done_without_creating_one() {
    let server = MockServer::start(|r| match r.method.as_str() {
        "PATCH" => Reply::problem(404, "Resource Not Found"),
        _ => Reply::status(500),
    })
    .await;
    let mut contact = sync_contact(1);
    contact.consent = EmailConsent::None;

    let outcome = provider(&server)
        .upsert(&contact)
        .await
        .expect("nothing to do");

    assert_eq!(server.calls(), [format!("PATCH /members/{ADA1_HASH}")]);
    assert_eq!(outcome, SyncOutcome::default());
}

#[tokio::test]
async fn the_tags_call_sets_the_new_relationship_tag_active_and_the_old_one_inactive_at_once() {
    let server = MockServer::start(healthy).await;
    let mut contact = sync_contact(1);
    contact.relationship = RelationshipType::Client;

    provider(&server).upsert(&contact).await.expect("synced");

    let requests = server.requests();
    let tags: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/tags"))
        .collect();
    assert_eq!(tags.len(), 1, "one tags call");
    assert_eq!(
        tags[0].json(),
        json!({
            "tags": [{"name": "client", "status": "active"}, {"name": "customer", "status": "inactive"}],
            "is_syncing": true,
        })
    );
    assert_eq!(requests[0].json()["merge_fields"]["RELTYPE"], "CLIENT");
}

#[tokio::test]
async fn an_email_change_patches_the_old_hash_with_the_new_address() {
    let server = MockServer::start(healthy).await;
    let mut contact = sync_contact(1);
    contact.previous_email = contact.email.clone();
    contact.email = Some(EmailAddress::parse("new.ada@example.com").expect("valid"));

    let outcome = provider(&server).upsert(&contact).await.expect("synced");

    let (old, new) = (hash("ada1@example.com"), hash("new.ada@example.com"));
    assert_eq!(
        server.calls(),
        [
            format!("PATCH /members/{old}"),
            format!("POST /members/{new}/tags")
        ]
    );
    let patch = server.requests()[0].json();
    assert_eq!(patch["email_address"], "new.ada@example.com");
    assert!(
        patch.get("status_if_new").is_none(),
        "a rename creates nobody"
    );
    assert_eq!(outcome, SyncOutcome::with_external_id(new));
}

/// A server whose `PATCH` of ada1's member answers `status` with `title`, its hash, and contact
/// 1 moving from ada1 to new.ada.
async fn email_change_where_the_old_hash_answers(
    status: u16,
    title: &'static str,
) -> (MockServer, String, rapport_integrations::SyncContact) {
    let old = hash("ada1@example.com");
    let server = MockServer::start({
        let old = old.clone();
        move |r| {
            if r.method == "PATCH" && r.path.ends_with(&old) {
                Reply::problem(status, title)
            } else {
                healthy(r)
            }
        }
    })
    .await;
    let mut contact = sync_contact(1);
    contact.previous_email = contact.email.clone();
    contact.email = Some(EmailAddress::parse("new.ada@example.com").expect("valid"));
    (server, old, contact)
}

#[tokio::test]
async fn an_email_change_whose_old_address_has_no_member_creates_the_member_under_the_new_one() {
    let (server, old, contact) =
        email_change_where_the_old_hash_answers(404, "Resource Not Found").await;

    let outcome = provider(&server).upsert(&contact).await.expect("synced");

    let new = hash("new.ada@example.com");
    assert_eq!(
        server.calls(),
        [
            format!("PATCH /members/{old}"),
            format!("PUT /members/{new}"),
            format!("POST /members/{new}/tags")
        ]
    );
    assert_eq!(server.requests()[1].json()["status_if_new"], "subscribed");
    assert_eq!(outcome, SyncOutcome::with_external_id(new));
}

#[tokio::test]
async fn an_email_change_whose_new_address_already_has_a_member_updates_that_member() {
    let (server, old, contact) =
        email_change_where_the_old_hash_answers(400, "Member Exists").await;

    provider(&server).upsert(&contact).await.expect("synced");

    let new = hash("new.ada@example.com");
    assert_eq!(
        server.calls(),
        [
            format!("PATCH /members/{old}"),
            format!("PUT /members/{new}"),
            format!("POST /members/{new}/tags")
        ]
    );
}

#[tokio::test]
async fn a_contact_whose_address_was_removed_has_its_old_member_archived() {
    let server = MockServer::start(healthy).await;
    let mut contact = sync_contact(1);
    contact.previous_email = contact.email.take();

    let outcome = provider(&server).upsert(&contact).await.expect("archived");

    assert_eq!(server.calls(), [format!("DELETE /members/{ADA1_HASH}")]);
    assert_eq!(outcome, SyncOutcome::with_external_id(ADA1_HASH));
}

#[tokio::test]
async fn a_contact_that_never_had_an_address_calls_nothing() {
    let server = MockServer::start(healthy).await;
    let mut contact = sync_contact(1);
    contact.email = None;

    let outcome = provider(&server)
        .upsert(&contact)
        .await
        .expect("nothing to do");

    assert!(server.calls().is_empty());
    assert_eq!(outcome, SyncOutcome::default());
}

#[tokio::test]
async fn the_provider_keys_erasure_on_the_subscriber_hash_and_registers_its_cap() {
    let server = MockServer::start(healthy).await;
    let provider = provider(&server);
    let email = EmailAddress::parse("ADA1@example.com").expect("valid");
    assert_eq!(provider.email_key(&email).as_deref(), Some(ADA1_HASH));
    assert_eq!(provider.name(), "mailchimp");
    assert_eq!(provider.limits().max_in_flight, NonZeroUsize::new(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_never_exceed_the_connection_cap_however_many_tasks_make_them() {
    let server = MockServer::start(|r| {
        let answer = match r.method.as_str() {
            "PUT" => Reply::json(200, member_json()),
            _ => Reply::status(204),
        };
        // Held a little so that calls overlap.
        Reply::After(Duration::from_millis(20), Box::new(answer))
    })
    .await;
    let mut config = config(&server);
    config.max_connections = NonZeroUsize::new(3).expect("not zero");
    let provider = Arc::new(MailchimpProvider::new(config).expect("valid"));

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..24 {
        let provider = Arc::clone(&provider);
        tasks.spawn(async move { provider.upsert(&sync_contact(n)).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("joined").expect("synced");
    }

    assert_eq!(server.requests().len(), 48);
    assert!(
        server.peak_in_flight() <= 3,
        "peak {}",
        server.peak_in_flight()
    );
}
