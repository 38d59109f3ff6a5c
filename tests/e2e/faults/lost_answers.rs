//! An upsert applied at Mailchimp whose answer was lost: the member is still erased, and renamed after an address change.

use chrono::Utc;
use rapport_integrations::Outcome;
use rapport_tests::mock::mailchimp::{self};
use rapport_tests::mock::{Fault, MailchimpMock};
use rapport_tests::{TestApp, spawn_app_with_providers};
use serde_json::json;

use super::common::*;

/// The Mailchimp mock, whose next `PUT` is applied but answered with a body cut short, an app
/// syncing to it, and an account.
async fn app_whose_first_put_answer_is_cut() -> (MailchimpMock, TestApp, String) {
    let mock = MailchimpMock::start().await;
    mock.faults().on(PUT, Fault::MalformedJson);
    let app = spawn_app_with_providers(|_| {}, mock.registry(false)).await;
    let account = account(&app).await;
    (mock, app, account)
}

/// `true` when the SQLite file or its write-ahead log holds `text` anywhere, byte for byte.
fn database_holds(app: &TestApp, text: &str) -> bool {
    ["rapport.db", "rapport.db-wal"].iter().any(|file| {
        std::fs::read(app.data_dir.path().join(file))
            .unwrap_or_default()
            .windows(text.len())
            .any(|w| w == text.as_bytes())
    })
}

#[tokio::test]
async fn a_member_whose_upsert_answer_was_lost_is_still_erased_and_no_address_waits_here() {
    // Contact 1's first PUT is applied at Mailchimp but its answer is cut short: the worker
    // cannot know the member exists, and records nothing of it. Contact 2 is synced normally.
    let (mock, app, account) = app_whose_first_put_answer_is_cut().await;
    let lost = contact(&app, &account, 1).await;
    let synced = contact(&app, &account, 2).await;
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(
        (
            report.count(Outcome::Retried),
            report.count(Outcome::Synced)
        ),
        (1, 1),
        "{report}"
    );
    assert!(mock.member(&email(1)).is_some(), "the lost PUT was applied");

    // Both are erased before any retry.
    for id in [&lost, &synced] {
        app.gql(
            "mutation($id: ID!) { eraseContact(input: {contactId: $id}) { contact { erased } } }",
            json!({"id": id}),
        )
        .await
        .ok();
    }
    // Nothing names them here any more, not even the sync state waiting for the erasures.
    if app.backend == "sqlite" {
        for n in [1, 2] {
            assert!(
                !database_holds(&app, &email(n)),
                "{} is still stored",
                email(n)
            );
        }
    }

    let report = app.sync_step(t0 + hours(1)).await;
    assert_eq!(report.count(Outcome::Erased), 2, "{report}");
    for n in [1, 2] {
        assert!(
            mock.member(&email(n)).is_none(),
            "{} is still at Mailchimp",
            email(n)
        );
    }
    assert_eq!(
        mock.stats().on(mailchimp::routes::DELETE_PERMANENT),
        2,
        "each member deleted permanently, under the key kept at erasure"
    );
    assert_eq!(mock.created(), 2);
    assert!(app.sync_step(t0 + hours(2)).await.is_idle());
}

#[tokio::test]
async fn an_address_changed_after_an_upsert_whose_answer_was_lost_renames_that_member() {
    // Contact 1's first PUT creates the member but its answer is cut short; the address then
    // changes before the retry. The member is renamed, not left beside a second one.
    let (mock, app, account) = app_whose_first_put_answer_is_cut().await;
    let contact = contact(&app, &account, 1).await;
    let t0 = Utc::now();
    let report = app.sync_step(t0).await;
    assert_eq!(report.count(Outcome::Retried), 1, "{report}");
    app.gql(
        "mutation($id: ID!) { updateContact(input: {contactId: $id, expectedVersion: 1, email: \"ada.moved@acme.test\"}) { contact { version } } }",
        json!({"id": contact}),
    )
    .await
    .ok();

    let report = app.sync_step(t0 + hours(1)).await;
    assert_eq!(report.count(Outcome::Synced), 1, "{report}");
    let members = mock.members();
    assert_eq!(
        members
            .values()
            .map(|m| m.email_address.as_str())
            .collect::<Vec<_>>(),
        ["ada.moved@acme.test"],
        "one member, under the new address"
    );
    assert_eq!(mock.created(), 1);
    let status = sync_status(&app, &contact).await;
    assert_eq!(
        status["externalId"],
        json!(mailchimp::hash_of("ada.moved@acme.test"))
    );
    assert!(app.sync_step(t0 + hours(2)).await.is_idle());
}
