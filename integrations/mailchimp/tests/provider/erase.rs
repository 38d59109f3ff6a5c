use rapport_domain::ids::ContactId;
use rapport_integrations::{ContactSync, ErasedContact, SyncError};
use rapport_mailchimp::{ArchiveOutcome, SubscriberHash};

use crate::support::{MockServer, Reply, healthy, provider};

const KEPT: &str = "4479089b4a45ae935903ec1a5d72de85";
const OTHER: &str = "3e3417d7ef77d5932a6734b916515ed5";

fn erased(external_id: Option<&str>, last_known_email_key: Option<&str>) -> ErasedContact {
    ErasedContact {
        contact_id: ContactId::new(1),
        last_known_email_key: last_known_email_key.map(str::to_owned),
        external_id: external_id.map(str::to_owned),
    }
}

#[tokio::test]
async fn erasure_permanently_deletes_the_member_under_the_kept_hash() {
    let server = MockServer::start(healthy).await;

    provider(&server)
        .erase(&erased(None, Some(KEPT)))
        .await
        .expect("erased");

    assert_eq!(
        server.calls(),
        [format!("POST /members/{KEPT}/actions/delete-permanent")]
    );
}

#[tokio::test]
async fn erasure_of_a_member_already_gone_is_done() {
    let server = MockServer::start(|_| Reply::problem(404, "Resource Not Found")).await;

    provider(&server)
        .erase(&erased(Some(KEPT), Some(KEPT)))
        .await
        .expect("already gone counts as erased");

    assert_eq!(server.calls().len(), 1, "one key, one call");
}

#[tokio::test]
async fn erasure_deletes_under_both_keys_when_an_email_change_was_not_synced_yet() {
    let server = MockServer::start(healthy).await;

    provider(&server)
        .erase(&erased(Some(KEPT), Some(&OTHER.to_uppercase())))
        .await
        .expect("erased");

    assert_eq!(
        server.calls(),
        [
            format!("POST /members/{KEPT}/actions/delete-permanent"),
            format!("POST /members/{OTHER}/actions/delete-permanent")
        ]
    );
}

#[tokio::test]
async fn erasure_with_no_key_calls_nothing_and_with_only_an_unusable_key_is_permanent() {
    let server = MockServer::start(healthy).await;
    let provider = provider(&server);

    provider
        .erase(&erased(None, None))
        .await
        .expect("nothing was ever synced");
    let err = provider
        .erase(&erased(Some("../../lists"), None))
        .await
        .expect_err("an unusable key must reach an admin");

    assert_eq!(err.code(), "PERMANENT");
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn an_erasure_that_fails_is_classified_like_any_call() {
    let server = MockServer::start(|_| Reply::status(503)).await;

    let err = provider(&server)
        .erase(&erased(Some(KEPT), None))
        .await
        .expect_err("retry later");

    assert_eq!(err, SyncError::retryable("HTTP 503 without a body"));
}

#[tokio::test]
async fn archiving_reports_archived_not_found_and_not_archivable() {
    for (reply, expected) in [
        (Reply::status(204), ArchiveOutcome::Archived),
        (
            Reply::problem(404, "Resource Not Found"),
            ArchiveOutcome::NotFound,
        ),
        (
            Reply::problem(405, "Method Not Allowed"),
            ArchiveOutcome::NotArchivable,
        ),
    ] {
        let server = MockServer::start(move |_| reply.clone()).await;
        let member = SubscriberHash::parse(KEPT).expect("a hash");

        let outcome = provider(&server).archive(&member).await.expect("answered");

        assert_eq!(outcome, expected);
        assert_eq!(server.calls(), [format!("DELETE /members/{KEPT}")]);
    }
}
