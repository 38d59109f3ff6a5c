//! Consent that travels both ways with Mailchimp without echoing back.

use std::sync::Arc;

use chrono::Utc;
use rapport_integrations::Registry;
use rapport_tests::mock::MailchimpMock;
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn an_opt_in_at_mailchimp_subscribes_the_contact_unless_it_changed_after_the_event_was_fired()
{
    let Hooks {
        app,
        mailchimp: mailchimp_fake,
        ringover: ringover_fake,
    } = app_with_webhooks().await;
    let set_consent = |id: String, version: i64, consent: &'static str| {
        let app = &app;
        async move {
            app.gql(
                "mutation($id: ID!, $v: Int!, $c: EmailConsent!) { updateContact(input: {contactId: $id, expectedVersion: $v, emailConsent: $c}) { contact { version } } }",
                json!({"id": id, "v": version, "c": consent}),
            )
            .await
            .ok();
        }
    };
    // Ada was asked to confirm (double opt-in) and confirms at Mailchimp.
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    set_consent(ada.clone(), 1, "PENDING").await;
    app.sync_step(Utc::now()).await;
    let sent = (
        mailchimp_fake.upserts().len(),
        ringover_fake.upserts().len(),
    );
    let confirmed = subscribe("ada@acme.test", Utc::now() + chrono::Duration::seconds(2));
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, confirmed).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("applied")),
        "{body}"
    );
    assert_eq!(contact(&app, &ada).await["emailConsent"], "SUBSCRIBED");
    assert_eq!(
        audit(&app, &ada).await.last(),
        Some(&(
            "webhook:mailchimp".to_owned(),
            "subscribedAtProvider".to_owned()
        ))
    );
    app.sync_step(Utc::now()).await;
    assert_eq!(
        (
            mailchimp_fake.upserts().len(),
            ringover_fake.upserts().len()
        ),
        (sent.0, sent.1 + 1),
        "not sent back to Mailchimp; the other providers get it"
    );

    // Bob opted out here a moment ago; an opt-in Mailchimp fired before that is older news.
    let bob = person(&app, "Bob", "bob@acme.test", "+33612345679").await;
    set_consent(bob.clone(), 1, "UNSUBSCRIBED").await;
    let stale = subscribe("bob@acme.test", Utc::now() - chrono::Duration::minutes(5));
    let (status, body) = mailchimp(&app, MAILCHIMP_SECRET, stale).await;
    assert_eq!(
        (status, &body["outcome"]),
        (200, &json!("unchanged")),
        "{body}"
    );
    assert_eq!(contact(&app, &bob).await["emailConsent"], "UNSUBSCRIBED");

    // Cy re-subscribed and then unsubscribed at Mailchimp, and the events arrive out of order
    // (Mailchimp retries for over an hour): the unsubscribe applies, the older opt-in delivered
    // after it does not.
    let cy = person(&app, "Cy", "cy@acme.test", "+33612345670").await;
    let fired = Utc::now() - chrono::Duration::seconds(30);
    let later = unsubscribe("cy@acme.test", fired);
    let earlier = subscribe("cy@acme.test", fired - chrono::Duration::seconds(10));
    let (_, body) = mailchimp(&app, MAILCHIMP_SECRET, later).await;
    assert_eq!(body["outcome"], "applied", "{body}");
    let (_, body) = mailchimp(&app, MAILCHIMP_SECRET, earlier).await;
    assert_eq!(body["outcome"], "unchanged", "{body}");
    assert_eq!(contact(&app, &cy).await["emailConsent"], "UNSUBSCRIBED");
}

/// An app syncing to the Mailchimp mock through the real provider crate, webhooks on.
async fn app_with_mailchimp_mock() -> (TestApp, MailchimpMock) {
    let mock = MailchimpMock::start().await;
    let provider = mock.provider();
    let limits = provider.limits();
    let mut registry = Registry::default();
    registry
        .register(Arc::new(provider), limits)
        .expect("registered");
    let app = spawn_app_with_providers(
        |s| s.mailchimp = Some(mock.config().with_webhook_secret(MAILCHIMP_SECRET.into())),
        registry,
    )
    .await;
    (app, mock)
}

/// Rename a contact here (a change unrelated to consent) through the API.
async fn rename(app: &TestApp, contact: &str, first_name: &str) {
    let version = self::contact(app, contact).await["version"].clone();
    app.gql(
        "mutation($id: ID!, $v: Int!, $name: String!) { updateContact(input: {contactId: $id, expectedVersion: $v, firstName: $name}) { contact { version } } }",
        json!({"id": contact, "v": version, "name": first_name}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn an_opt_out_made_here_unsubscribes_the_member_once_and_one_mailchimp_reported_is_never_sent_back()
 {
    let (app, mock) = app_with_mailchimp_mock().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    let bob = person(&app, "Bob", "bob@acme.test", "+33612345679").await;
    app.sync_step(Utc::now()).await;
    let status = |email: &str| mock.member(email).map(|m| m.status);
    assert_eq!(status("ada@acme.test").as_deref(), Some("subscribed"));
    assert_eq!(status("bob@acme.test").as_deref(), Some("subscribed"));

    // Ada withdraws consent here: the member is unsubscribed at Mailchimp.
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, emailConsent: UNSUBSCRIBED}) { contact { version } } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    assert_eq!(status("ada@acme.test").as_deref(), Some("unsubscribed"));
    assert_eq!(mock.stats().refused_over_cap, 0);

    // Bob unsubscribes at Mailchimp, then signs up again through a Mailchimp form (an event
    // Rapport does not take in). Ada resubscribes there too. A later change here to either
    // of them leaves their subscription alone: the opt-outs were sent or reported once.
    let (code, answer) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("bob@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(
        (code, &answer["outcome"]),
        (200, &json!("applied")),
        "{answer}"
    );
    assert_eq!(contact(&app, &bob).await["emailConsent"], "UNSUBSCRIBED");
    mock.insert_member("bob@acme.test", "subscribed");
    mock.insert_member("ada@acme.test", "subscribed");
    rename(&app, &bob, "Robert").await;
    rename(&app, &ada, "Augusta").await;
    app.sync_step(Utc::now()).await;
    let bob_member = mock.member("bob@acme.test").expect("a member");
    assert_eq!(
        (
            bob_member.status.as_str(),
            bob_member.merge_fields.get("FNAME"),
            bob_member.status_was_sent
        ),
        ("subscribed", Some(&json!("Robert")), false),
        "the change reached Mailchimp and the subscription was left alone"
    );
    let ada_member = mock.member("ada@acme.test").expect("a member");
    assert_eq!(
        (
            ada_member.status.as_str(),
            ada_member.merge_fields.get("FNAME"),
            ada_member.status_was_sent
        ),
        ("subscribed", Some(&json!("Augusta")), false)
    );
}

#[tokio::test]
async fn an_opt_in_renewed_here_asks_the_unsubscribed_member_to_confirm_once() {
    let (app, mock) = app_with_mailchimp_mock().await;
    let ada = person(&app, "Ada", "ada@acme.test", "+33612345678").await;
    app.sync_step(Utc::now()).await;

    // Ada unsubscribes at Mailchimp, and later asks her account manager to be put back.
    mock.insert_member("ada@acme.test", "unsubscribed");
    let (_, answer) = mailchimp(
        &app,
        MAILCHIMP_SECRET,
        unsubscribe("ada@acme.test", Utc::now()),
    )
    .await;
    assert_eq!(answer["outcome"], "applied", "{answer}");
    app.sync_step(Utc::now()).await;
    let version = contact(&app, &ada).await["version"].clone();
    app.gql(
        "mutation($id: ID!, $v: Int!) { updateContact(input: {contactId: $id, expectedVersion: $v, emailConsent: SUBSCRIBED}) { contact { version } } }",
        json!({"id": ada, "v": version}),
    )
    .await
    .ok();
    app.sync_step(Utc::now()).await;
    let member = mock.member("ada@acme.test").expect("a member");
    assert_eq!(
        (member.status.as_str(), member.status_was_sent),
        ("pending", true),
        "Mailchimp emails her a confirmation request; nothing forces `subscribed`"
    );

    // She confirms at Mailchimp. A later change here leaves her subscription alone.
    mock.insert_member("ada@acme.test", "subscribed");
    rename(&app, &ada, "Augusta").await;
    app.sync_step(Utc::now()).await;
    let member = mock.member("ada@acme.test").expect("a member");
    assert_eq!(
        (
            member.status.as_str(),
            member.merge_fields.get("FNAME"),
            member.status_was_sent
        ),
        ("subscribed", Some(&json!("Augusta")), false)
    );
    assert_eq!(mock.stats().refused_over_cap, 0);
}
