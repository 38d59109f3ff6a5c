use std::time::{Duration, Instant};

use rapport_integrations::testing::sync_contact;
use rapport_integrations::{ContactSync, SyncError};
use rapport_mailchimp::{MailchimpProvider, PERMANENT_TITLES};

use crate::support::{MockServer, Reply, config, provider};

/// The upsert's error when the member write answers `reply`.
async fn upsert_answered(reply: Reply) -> SyncError {
    let server = MockServer::start(move |_| reply.clone()).await;
    let err = provider(&server)
        .upsert(&sync_contact(1))
        .await
        .expect_err("the call failed");
    assert_eq!(server.calls().len(), 1, "no tags call after a failed write");
    err
}

#[tokio::test]
async fn a_429_with_retry_after_is_retryable_after_that_delay() {
    let err =
        upsert_answered(Reply::problem(429, "Too Many Requests").with_header("Retry-After", "12"))
            .await;
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(12)));
}

#[tokio::test]
async fn a_429_without_retry_after_is_retryable_with_the_backoff_alone() {
    let err = upsert_answered(Reply::problem(429, "Too Many Requests")).await;
    assert_eq!(
        err,
        SyncError::Retryable {
            reason: "HTTP 429: Too Many Requests".into(),
            retry_after: None
        }
    );
}

#[tokio::test]
async fn server_errors_500_502_and_503_are_retryable() {
    for status in [500, 502, 503] {
        let err = upsert_answered(Reply::status(status)).await;
        assert!(err.is_retryable(), "{status}: {err}");
    }
    let err = upsert_answered(Reply::status(503).with_header("Retry-After", "30")).await;
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn a_bare_403_without_a_body_is_retryable_load_shedding() {
    let err = upsert_answered(Reply::status(403)).await;
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn a_401_is_unauthorized_so_the_worker_pauses_the_provider() {
    let err = upsert_answered(Reply::problem(401, "API Key Invalid")).await;
    assert_eq!(err, SyncError::unauthorized("HTTP 401: API Key Invalid"));
}

#[tokio::test]
async fn the_three_mailchimp_permanent_errors_are_permanent_with_their_title_and_no_address() {
    for title in PERMANENT_TITLES {
        let err = upsert_answered(Reply::problem(400, title)).await;
        assert_eq!(err, SyncError::permanent(format!("HTTP 400: {title}")));
        assert!(!err.reason().contains('@'));
    }
}

#[tokio::test]
async fn a_member_answer_that_is_not_json_is_retryable() {
    let err = upsert_answered(Reply::Respond {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: b"{\"id\": \"4479089b".to_vec(),
    })
    .await;
    assert!(err.is_retryable(), "{err}");
    assert!(err.reason().contains("could not be read"), "{err}");
}

#[tokio::test]
async fn a_response_stalled_past_the_client_timeout_is_retryable() {
    let server = MockServer::start(|_| Reply::Stall(Duration::from_secs(10))).await;
    let mut config = config(&server);
    config.timeout_secs = 1;
    let provider = MailchimpProvider::new(config).expect("valid");

    let started = Instant::now();
    let err = provider
        .upsert(&sync_contact(1))
        .await
        .expect_err("timed out");

    assert!(err.is_retryable(), "{err}");
    assert!(err.reason().contains("did not answer in time"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gave up at the timeout"
    );
}

#[tokio::test]
async fn a_connection_dropped_before_the_answer_is_retryable() {
    let err = upsert_answered(Reply::Drop).await;
    assert!(err.is_retryable(), "{err}");
    assert!(err.reason().contains("dropped"), "{err}");
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_is_retryable() {
    let server = MockServer::start(|_| Reply::status(204)).await;
    let config = config(&server);
    drop(server);
    let provider = MailchimpProvider::new(config).expect("valid");
    let err = provider
        .upsert(&sync_contact(1))
        .await
        .expect_err("refused");
    assert!(err.is_retryable(), "{err}");
    assert!(err.reason().contains("could not connect"), "{err}");
}

#[tokio::test]
async fn a_failed_tags_call_fails_the_upsert_so_that_it_is_retried_whole() {
    let server = MockServer::start(|r| match r.method.as_str() {
        "PUT" => Reply::json(200, crate::support::member_json()),
        _ => Reply::status(502),
    })
    .await;
    let err = provider(&server)
        .upsert(&sync_contact(1))
        .await
        .expect_err("tags failed");
    assert!(err.is_retryable());
    assert_eq!(server.calls().len(), 2);
}
