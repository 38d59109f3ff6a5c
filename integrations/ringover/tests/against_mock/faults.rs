//! Every way a call can fail, classified for the worker.

use std::time::Duration;

use rapport_integrations::{ContactSync, SyncError};
use rapport_ringover::RingoverProvider;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{config, contact, provider};

/// The outcome of one upsert whose first request (the search) gets `answer`.
async fn upsert_answered(answer: ResponseTemplate) -> Result<(), SyncError> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/contacts"))
        .respond_with(answer)
        .mount(&server)
        .await;
    provider(&server).upsert(&contact(1)).await.map(drop)
}

#[tokio::test]
async fn a_429_with_retry_after_is_retryable_after_the_asked_delay() {
    let outcome = upsert_answered(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "7")
            .set_body_json(json!({"message": "Too many requests"})),
    )
    .await;

    let Err(err) = outcome else {
        panic!("a 429 is a failure")
    };
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.reason(), "HTTP 429: Too many requests");
}

#[tokio::test]
async fn a_429_without_retry_after_is_retryable_on_the_backoff() {
    let outcome = upsert_answered(ResponseTemplate::new(429)).await;

    let Err(err) = outcome else {
        panic!("a 429 is a failure")
    };
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn server_errors_are_retryable() {
    for status in [500, 502, 503] {
        let outcome = upsert_answered(ResponseTemplate::new(status)).await;
        assert!(
            matches!(outcome, Err(SyncError::Retryable { .. })),
            "{status}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_api_key_pauses_the_provider() {
    for status in [401, 403] {
        let outcome = upsert_answered(
            ResponseTemplate::new(status).set_body_json(json!({"error": "Invalid API key"})),
        )
        .await;
        assert!(
            matches!(outcome, Err(SyncError::Unauthorized { .. })),
            "{status}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn another_4xx_is_permanent_with_ringovers_message() {
    let outcome = upsert_answered(
        ResponseTemplate::new(400)
            .set_body_json(json!({"message": "Invalid number 33600000001 for type mobile"})),
    )
    .await;

    assert_eq!(
        outcome,
        Err(SyncError::permanent(
            "HTTP 400: Invalid number … for type mobile"
        )),
        "the message is kept, the phone number is not"
    );
}

#[tokio::test]
async fn a_4xx_with_an_html_body_is_permanent_without_the_html() {
    let outcome = upsert_answered(
        ResponseTemplate::new(422).set_body_raw("<html><body>Nope</body></html>", "text/html"),
    )
    .await;

    assert_eq!(
        outcome,
        Err(SyncError::permanent("HTTP 422 without a body"))
    );
}

#[tokio::test]
async fn a_malformed_json_answer_is_retryable() {
    let outcome = upsert_answered(
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"contact_list": [{"contact_id""#, "application/json"),
    )
    .await;

    let Err(err) = outcome else {
        panic!("an unreadable answer is a failure")
    };
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.reason().contains("could not be read"), "{err:?}");
}

#[tokio::test]
async fn a_stalled_answer_past_the_timeout_is_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"contact_list": []}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let provider = RingoverProvider::new(&config(&server).with_timeout(Duration::from_millis(200)))
        .expect("a valid config");

    let started = std::time::Instant::now();
    let outcome = provider.upsert(&contact(1)).await;

    let Err(err) = outcome else {
        panic!("a timeout is a failure")
    };
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.reason().contains("did not answer in time"), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up at the timeout"
    );
}

#[tokio::test]
async fn a_connection_reset_mid_request_is_retryable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            // Read a little of the request, then hang up without answering.
            let mut buf = [0u8; 64];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    let config = rapport_ringover::RingoverConfig::new("k".into(), "s".into())
        .with_base_url(format!("http://{address}/v2"))
        .with_requests_per_second(100.0);
    let provider = RingoverProvider::new(&config).expect("a valid config");

    let outcome = provider.upsert(&contact(1)).await;

    assert!(
        matches!(outcome, Err(SyncError::Retryable { .. })),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let config = rapport_ringover::RingoverConfig::new("k".into(), "s".into())
        .with_base_url(format!("http://{address}/v2"))
        .with_requests_per_second(100.0);
    let provider = RingoverProvider::new(&config).expect("a valid config");

    let outcome = provider.upsert(&contact(1)).await;

    let Err(err) = outcome else {
        panic!("a refused connection is a failure")
    };
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.reason().contains("could not connect"), "{err:?}");
}

#[tokio::test]
async fn erase_failures_are_classified_like_upserts() {
    let cases = [
        (500, "RETRYABLE"),
        (429, "RETRYABLE"),
        (401, "UNAUTHORIZED"),
        (400, "PERMANENT"),
    ];
    for (status, code) in cases {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let erased = rapport_integrations::testing::erased_contact(1);
        let mut erased = erased;
        erased.external_id = Some("42".into());

        let outcome = provider(&server).erase(&erased).await;

        assert_eq!(outcome.map_err(|e| e.code()), Err(code), "{status}");
    }
}
