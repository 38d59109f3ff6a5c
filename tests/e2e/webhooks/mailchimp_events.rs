//! Mailchimp's member events: URL checks, secrets, unsubscribes, cleaned addresses, profile and address changes, malformed bodies.

use chrono::{DateTime, Utc};
use rapport_ringover::testing::sign_webhook;
use rapport_tests::spawn_app;
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn mailchimp_checks_the_url_with_a_get_and_an_empty_post_and_both_answer_200() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let url = format!("{}/webhooks/mailchimp/{MAILCHIMP_SECRET}", app.address);
    let (status, _) = send(app.client().get(&url)).await;
    assert_eq!(status, 200, "the registration probe (GET)");
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, String::new()).await;
    assert_eq!(status, 200, "the registration probe (empty POST): {body}");
    assert_eq!(body["outcome"], "probe");
    let (status, _) = send(
        app.client()
            .get(format!("{}/webhooks/mailchimp/not-the-secret", app.address)),
    )
    .await;
    assert_eq!(status, 404, "a wrong secret does not reveal the route");
}

#[tokio::test]
async fn a_wrong_mailchimp_secret_answers_404_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;

    for secret in ["wrong", &MAILCHIMP_SECRET[..MAILCHIMP_SECRET.len() - 1]] {
        let (status, _) = mailchimp(&app, secret, unsubscribe("ada@acme.test", Utc::now())).await;
        assert_eq!(status, 404, "secret {secret:?}");
    }

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
    let ada = contact(&app, &ada).await;
    assert_eq!(ada["emailConsent"], "SUBSCRIBED");
    assert_eq!(ada["version"], 1);
}

#[tokio::test]
async fn without_a_webhook_secret_or_a_ringover_section_the_routes_do_not_exist() {
    let app = spawn_app().await;
    let (status, _) = send(app.client().get(format!(
        "{}/webhooks/mailchimp/{MAILCHIMP_SECRET}",
        app.address
    )))
    .await;
    assert_eq!(status, 404);
    let body = call_event(1, "hangup", "33612345678", Utc::now());
    let (status, _) = ringover(
        &app,
        Some(&sign_webhook(body.as_bytes(), RINGOVER_SECRET)),
        &body,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_unsubscribe_at_mailchimp_unsubscribes_the_contact_once_and_is_not_echoed_back() {
    let Hooks {
        app,
        mailchimp: mailchimp_fake,
        ringover: ringover_fake,
    } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "Ada@Acme.test", "+33612345678").await;
    app.sync_step(Utc::now()).await;
    assert_eq!(
        (
            mailchimp_fake.upserts().len(),
            ringover_fake.upserts().len()
        ),
        (1, 1)
    );
    let audit_before = audit(&app, &ada).await.len();

    // Matched case-insensitively, as the store keys addresses.
    let delivery = unsubscribe("ada@acme.test", Utc::now());
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, delivery.clone()).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("applied")),
        "{body}"
    );
    let changed = contact(&app, &ada).await;
    assert_eq!(changed["emailConsent"], "UNSUBSCRIBED");
    assert_eq!(changed["version"], 2);
    let trail = audit(&app, &ada).await;
    assert_eq!(trail.len(), audit_before + 1);
    assert_eq!(
        trail.last(),
        Some(&(
            "webhook:mailchimp".to_owned(),
            "unsubscribedAtProvider".to_owned()
        ))
    );

    // Mailchimp retries: the same delivery changes nothing more.
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, delivery.clone()).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("duplicate")),
        "{body}"
    );
    assert_eq!(contact(&app, &ada).await["version"], 2);
    assert_eq!(audit(&app, &ada).await.len(), audit_before + 1);

    app.sync_step(Utc::now()).await;
    assert_eq!(
        mailchimp_fake.upserts().len(),
        1,
        "the change came from Mailchimp: nothing is sent back to it"
    );
    let sent = ringover_fake.upserts();
    assert_eq!(sent.len(), 2, "the other providers get the change");
    assert_eq!(
        sent[1].consent,
        rapport_domain::contact::EmailConsent::Unsubscribed
    );

    // Not even after the person opted in again here: a late retry must not undo that.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 2, emailConsent: SUBSCRIBED}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, delivery).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("duplicate")),
        "{body}"
    );
    let resubscribed = contact(&app, &ada).await;
    assert_eq!(
        (&resubscribed["emailConsent"], &resubscribed["version"]),
        (&json!("SUBSCRIBED"), &json!(3))
    );
    assert_eq!(audit(&app, &ada).await.len(), audit_before + 2);
}

#[tokio::test]
async fn a_cleaned_address_at_mailchimp_marks_the_contact_cleaned() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let body = form(&[
        ("type", "cleaned"),
        ("fired_at", &fired(Utc::now())),
        ("data[reason]", "hard"),
        ("data[email]", "ada@acme.test"),
        ("data[list_id]", LIST),
    ]);
    let (status, answer) = mailchimp(&app, MAILCHIMP_SECRET, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    let ada = contact(&app, &ada).await;
    assert_eq!(ada["emailConsent"], "CLEANED");
    assert_eq!(ada["version"], 2);
}

#[tokio::test]
async fn a_profile_change_at_mailchimp_updates_the_names_unless_a_local_change_is_newer() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let profile = |at: DateTime<Utc>, first: &str| {
        form(&[
            ("type", "profile"),
            ("fired_at", &fired(at)),
            ("data[email]", "ada@acme.test"),
            ("data[merges][EMAIL]", "ada@acme.test"),
            ("data[merges][FNAME]", first),
            ("data[merges][LNAME]", "King"),
            ("data[merges][PHONE]", "+449999999999"),
            ("data[list_id]", LIST),
        ])
    };

    // Fired an hour before the contact was created here: ours is newer.
    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        profile(Utc::now() - chrono::Duration::hours(1), "Augusta"),
    )
    .await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("unchanged")),
        "{body}"
    );
    assert_eq!(contact(&app, &ada).await["firstName"], "Ada");

    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        profile(Utc::now() + chrono::Duration::minutes(1), "Augusta"),
    )
    .await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("applied")),
        "{body}"
    );
    let ada = contact(&app, &ada).await;
    assert_eq!(
        (&ada["firstName"], &ada["lastName"], &ada["version"]),
        (&json!("Augusta"), &json!("King"), &json!(2))
    );
}

#[tokio::test]
async fn an_address_change_at_mailchimp_moves_the_contact_and_later_changes_go_to_the_new_member() {
    let Hooks {
        app,
        mailchimp: mailchimp_fake,
        ringover: ringover_fake,
    } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    app.sync_step(Utc::now()).await;
    let state = app
        .store
        .sync_state("mailchimp", raw(&ada))
        .await
        .expect("state")
        .expect("synced");
    assert_eq!(state.sent_email.as_deref(), Some("ada@acme.test"));

    let body = form(&[
        ("type", "upemail"),
        ("fired_at", &fired(Utc::now())),
        ("data[old_email]", "ada@acme.test"),
        ("data[new_email]", "ada.king@acme.test"),
        ("data[new_id]", "8a25ff1d98"),
        ("data[list_id]", LIST),
    ]);
    let (status, answer) = mailchimp(&app, MAILCHIMP_SECRET, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    let changed = contact(&app, &ada).await;
    assert_eq!(changed["email"], "ada.king@acme.test");
    assert_eq!(changed["version"], 2);
    let state = app
        .store
        .sync_state("mailchimp", raw(&ada))
        .await
        .expect("state")
        .expect("synced");
    assert_eq!(
        state.sent_email.as_deref(),
        Some("ada.king@acme.test"),
        "Mailchimp's member now has the new address"
    );

    // A later local change is sent to the member of the new address, not the old one.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 2, jobRole: \"CTO\"}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    let upserts = mailchimp_fake.upserts();
    assert_eq!(upserts.len(), 2, "the webhook itself sent nothing back");
    let last = upserts.last().expect("an upsert");
    assert_eq!(
        last.email.as_ref().map(|e| e.as_str()),
        Some("ada.king@acme.test")
    );
    assert_eq!(
        last.previous_email, None,
        "no move from the old address: Mailchimp already moved the member"
    );
    assert_eq!(
        ringover_fake.upserts().len(),
        2,
        "Ringover got one job for both changes (coalesced)"
    );
}

#[tokio::test]
async fn an_address_change_to_the_address_of_another_contact_is_refused_and_stores_nothing() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    person(&app, "Grace", "grace@acme.test", "+33612345679").await;
    let body = form(&[
        ("type", "upemail"),
        ("fired_at", &fired(Utc::now())),
        ("data[old_email]", "ada@acme.test"),
        ("data[new_email]", "GRACE@acme.test"),
        ("data[list_id]", LIST),
    ]);
    let (status, answer) = mailchimp(&app, MAILCHIMP_SECRET, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("refused")),
        "{answer}"
    );
    let ada = contact(&app, &ada).await;
    assert_eq!(
        (&ada["email"], &ada["version"]),
        (&json!("ada@acme.test"), &json!(1))
    );
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
}

#[tokio::test]
async fn events_about_unknown_addresses_other_audiences_or_other_types_are_acknowledged_and_ignored()
 {
    let Hooks { app, .. } = app_with_webhooks().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let before = app.table_counts().await;

    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("nobody@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("unknown_contact")),
        "{body}"
    );
    let other_list = unsubscribe("ada@acme.test", Utc::now()).replace(LIST, "zzz999");
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, other_list).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("ignored")),
        "{body}"
    );
    let campaign = form(&[("type", "campaign"), ("data[id]", "5aa2102003")]);
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, campaign).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("ignored")),
        "{body}"
    );

    assert_eq!(app.table_counts().await, before);
    assert_eq!(rows(&app, "webhook_receipts").await, 0);
    assert_eq!(contact(&app, &ada).await["emailConsent"], "SUBSCRIBED");
}

#[tokio::test]
async fn a_malformed_mailchimp_body_answers_400_naming_what_is_wrong() {
    let Hooks { app, .. } = app_with_webhooks().await;
    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        form(&[("type", "unsubscribe"), ("data[list_id]", LIST)]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("data[email]")),
        "{body}"
    );
    let (status, body) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        form(&[
            ("type", "upemail"),
            ("data[old_email]", "a@acme.test"),
            ("data[new_email]", "not an address"),
        ]),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("data[new_email]")),
        "{body}"
    );
}
