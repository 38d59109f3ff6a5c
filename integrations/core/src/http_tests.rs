use std::time::Duration;

use chrono::{TimeZone, Utc};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
        .single()
        .expect("a valid time")
}

fn class(status: u16) -> &'static str {
    classify_http_at(status, None, "hint", now()).code()
}

#[test]
fn representative_statuses_are_classified_by_the_table() {
    let table: &[(u16, &str)] = &[
        (200, "PERMANENT"),
        (204, "PERMANENT"),
        (301, "PERMANENT"),
        (400, "PERMANENT"),
        (401, "UNAUTHORIZED"),
        (403, "UNAUTHORIZED"),
        (404, "PERMANENT"),
        (405, "PERMANENT"),
        (408, "RETRYABLE"),
        (409, "PERMANENT"),
        (413, "PERMANENT"),
        (422, "PERMANENT"),
        (425, "RETRYABLE"),
        (429, "RETRYABLE"),
        (500, "RETRYABLE"),
        (502, "RETRYABLE"),
        (503, "RETRYABLE"),
        (504, "RETRYABLE"),
        (599, "RETRYABLE"),
        (0, "RETRYABLE"),
        (600, "RETRYABLE"),
    ];
    for &(status, expected) in table {
        assert_eq!(class(status), expected, "HTTP {status}");
    }
}

#[test]
fn a_429_without_retry_after_is_retryable_with_no_delay_requested() {
    let err = classify_http_at(429, None, "Too Many Requests", now());
    assert_eq!(
        err,
        SyncError::Retryable {
            reason: "HTTP 429: Too Many Requests".into(),
            retry_after: None
        }
    );
}

#[test]
fn a_429_with_retry_after_in_seconds_carries_the_delay() {
    let err = classify_http_at(429, Some(" 120 "), "", now());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

#[test]
fn a_retry_after_http_date_becomes_the_delay_until_that_date() {
    let imf = classify_http_at(429, Some("Wed, 21 Oct 2015 07:30:00 GMT"), "", now());
    assert_eq!(imf.retry_after(), Some(Duration::from_secs(120)));
    let rfc850 = parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", now());
    assert_eq!(rfc850, Some(Duration::from_secs(30)));
    let asctime = parse_retry_after("Wed Oct 21 07:29:00 2015", now());
    assert_eq!(asctime, Some(Duration::from_secs(60)));
}

#[test]
fn a_retry_after_date_in_the_past_means_now() {
    let past = parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now());
    assert_eq!(past, Some(Duration::ZERO));
}

#[test]
fn an_unreadable_retry_after_is_ignored() {
    for raw in ["", "soon", "-5", "1.5", "Wed, 99 Oct 2015 07:00:00 GMT"] {
        assert_eq!(parse_retry_after(raw, now()), None, "{raw:?}");
    }
}

#[test]
fn a_503_honours_retry_after_too() {
    let err = classify_http_at(503, Some("7"), "maintenance", now());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[test]
fn a_bare_403_says_it_had_no_body() {
    let err = classify_http_at(403, None, "  ", now());
    assert_eq!(err, SyncError::unauthorized("HTTP 403 without a body"));
}

#[test]
fn body_hints_are_cut_and_stripped_of_control_characters() {
    let long = format!("line\none{}", "x".repeat(500));
    let err = classify_http_at(400, None, &long, now());
    assert!(err.reason().starts_with("HTTP 400: line one"));
    assert!(!err.reason().contains('\n'));
    assert_eq!(err.reason().chars().count(), "HTTP 400: ".len() + 200);
}

#[test]
fn check_status_passes_2xx_and_classifies_the_rest() {
    assert_eq!(check_status(200, None, ""), Ok(()));
    assert_eq!(check_status(204, None, ""), Ok(()));
    assert!(matches!(
        check_status(500, None, ""),
        Err(SyncError::Retryable { .. })
    ));
}

#[test]
fn transport_failures_are_always_retryable() {
    for failure in [
        TransportFailure::Timeout,
        TransportFailure::Connect,
        TransportFailure::ConnectionReset,
        TransportFailure::MalformedResponse,
    ] {
        let err = classify_transport(failure, "detail");
        assert!(err.is_retryable(), "{failure:?}");
        assert_eq!(err.retry_after(), None);
        assert!(err.reason().ends_with(": detail"), "{failure:?}");
    }
    let bare = classify_transport(TransportFailure::Timeout, "");
    assert_eq!(bare.reason(), "the provider did not answer in time");
}
