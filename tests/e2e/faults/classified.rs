//! Each fault as the worker classifies it: retried on the backoff or at `Retry-After`, parked as failed, or pausing the provider.

use std::time::Duration;

use rapport_tests::mock::mailchimp::{self, problem_fault};
use rapport_tests::mock::ringover;
use rapport_tests::mock::{Fault, MailchimpMock, RingoverMock};
use serde_json::json;

use super::common::*;

/// One test per retryable fault: `name: Mock, route, fault, times, reason;`.
macro_rules! retried {
    ($($name:ident: $mock:ident, $route:expr, $fault:expr, $times:expr, $reason:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let mock = $mock::start().await;
            retried_then_delivered(&mock, $route, $fault, $times, $reason).await;
        }
    )*};
}

retried! {
    mailchimp_429_without_retry_after_is_retried_on_the_backoff_and_delivered:
        MailchimpMock, PUT, problem_fault(429, "Too Many Requests"), 2, "HTTP 429: Too Many Requests";
    mailchimp_500_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(500), 2, "HTTP 500 without a body";
    mailchimp_502_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(502), 2, "HTTP 502 without a body";
    mailchimp_503_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(503), 2, "HTTP 503 without a body";
    mailchimp_connection_reset_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::Reset, 2, "the connection to the provider dropped";
    mailchimp_response_stalled_past_the_client_timeout_is_retried_and_delivered:
        MailchimpMock, PUT, Fault::Stall(Duration::from_secs(3)), 2, "did not answer in time";
    mailchimp_malformed_json_over_an_applied_write_is_retried_and_delivered_once:
        MailchimpMock, PUT, Fault::MalformedJson, 2, "could not be read";
    mailchimp_bare_403_is_load_shedding_retried_and_delivered:
        MailchimpMock, PUT, Fault::status(403), 2, "HTTP 403 without a body";
    mailchimp_failed_tags_call_retries_the_whole_upsert:
        MailchimpMock, mailchimp::routes::TAGS, Fault::status(502), 1, "HTTP 502 without a body";
    ringover_429_without_retry_after_is_retried_on_the_backoff_and_delivered:
        RingoverMock, SEARCH, Fault::json(429, &json!({"message": "Too many requests"})), 2,
        "HTTP 429: Too many requests";
    ringover_500_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::status(500), 2, "HTTP 500 without a body";
    ringover_502_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::status(502), 2, "HTTP 502 without a body";
    ringover_503_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::status(503), 2, "HTTP 503 without a body";
    ringover_connection_reset_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::Reset, 2, "the connection to the provider dropped";
    ringover_response_stalled_past_the_client_timeout_is_retried_and_delivered:
        RingoverMock, SEARCH, Fault::Stall(Duration::from_secs(2)), 2, "did not answer in time";
    ringover_malformed_json_over_an_applied_create_is_retried_and_finds_it_instead_of_a_duplicate:
        RingoverMock, ringover::routes::CREATE, Fault::MalformedJson, 1, "could not be read";
}

#[tokio::test]
async fn mailchimp_429_with_retry_after_is_honoured_as_the_next_due_time() {
    let mock = MailchimpMock::start().await;
    retry_after_is_the_next_due_time(&mock, problem_fault(429, "Too Many Requests")).await;
}

#[tokio::test]
async fn ringover_429_with_retry_after_is_honoured_as_the_next_due_time() {
    let mock = RingoverMock::start().await;
    let fault = Fault::json(429, &json!({"message": "Too many requests"}));
    retry_after_is_the_next_due_time(&mock, fault).await;
}

#[tokio::test]
async fn mailchimp_member_in_compliance_state_is_parked_as_failed_and_not_retried() {
    let mock = MailchimpMock::start().await;
    mock.put_in_compliance_state(&email(1));
    parked(&mock, "HTTP 400: Member In Compliance State").await;
}

#[tokio::test]
async fn mailchimp_forgotten_email_is_parked_as_failed_and_not_retried() {
    let mock = MailchimpMock::start().await;
    mock.forget(&email(1));
    parked(&mock, "HTTP 400: Forgotten Email Not Subscribed").await;
}

#[tokio::test]
async fn mailchimp_invalid_resource_is_parked_as_failed_naming_the_field_and_not_retried() {
    let mock = MailchimpMock::start().await;
    mock.remove_merge_field("RELTYPE");
    parked(&mock, "HTTP 400: Invalid Resource (fields: RELTYPE)").await;
}

#[tokio::test]
async fn mailchimp_401_pauses_the_provider_and_later_steps_do_not_call_it() {
    let mock = MailchimpMock::start().await;
    let mut config = mock.config();
    config.api_key = "ffffffffffffffff-us19".to_owned().into();
    paused(
        &mock,
        mailchimp_registry(config),
        "HTTP 401: API Key Invalid",
    )
    .await;
}

#[tokio::test]
async fn ringover_401_pauses_the_provider_and_later_steps_do_not_call_it() {
    let mock = RingoverMock::start().await;
    let mut config = mock.config();
    config.api_key = "not-the-key".to_owned().into();
    paused(
        &mock,
        ringover_registry(&config),
        "HTTP 401: Invalid API key",
    )
    .await;
}

#[tokio::test]
async fn ringover_bare_403_is_read_as_refused_credentials_and_pauses_the_provider() {
    // Unlike Mailchimp's, Ringover's crate keeps the core mapping: 403 is unauthorized.
    let mock = RingoverMock::start().await;
    mock.faults().always(SEARCH, Fault::status(403));
    paused(&mock, mock.registry(false), "HTTP 403 without a body").await;
}
