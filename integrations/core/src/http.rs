//! The default classification of HTTP and transport failures.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::SyncError;

/// The longest body hint kept in a reason, in characters: enough for a problem title.
const MAX_HINT_CHARS: usize = 200;

/// Classifies a failed HTTP response, reading `Retry-After` against the current time.
///
/// | status | class |
/// |---|---|
/// | 408, 425, 429 | retryable, with `Retry-After` (delay-seconds or HTTP-date) when given |
/// | 5xx | retryable, with `Retry-After` when given (503 often sends it) |
/// | 401, 403 | unauthorized: the provider is paused |
/// | other 4xx | permanent |
/// | below 400 | permanent: not a failure, so a provider asking met a response it cannot use |
/// | not a status (below 100, above 599) | retryable, like a garbled response |
///
/// 403 is ambiguous in the wild: Mailchimp answers a bare 403 under load, which is worth a retry,
/// and some providers use 403 for one forbidden resource rather than for bad credentials.
/// Providers that know better map those cases themselves before falling back to this function.
///
/// `body_hint` is a short, non-personal hint from the body (a problem `title`, an error code); it
/// is trimmed, stripped of control characters and cut to 200 characters.
pub fn classify_http(status: u16, retry_after_header: Option<&str>, body_hint: &str) -> SyncError {
    classify_http_at(status, retry_after_header, body_hint, Utc::now())
}

/// [`classify_http`] with the current time passed in, for deterministic tests.
pub fn classify_http_at(
    status: u16,
    retry_after_header: Option<&str>,
    body_hint: &str,
    now: DateTime<Utc>,
) -> SyncError {
    let reason = describe(status, body_hint);
    let retry_after = || retry_after_header.and_then(|h| parse_retry_after(h, now));
    match status {
        408 | 425 | 429 | 500..=599 => SyncError::Retryable {
            reason,
            retry_after: retry_after(),
        },
        401 | 403 => SyncError::Unauthorized { reason },
        100..=499 => SyncError::Permanent { reason },
        _ => SyncError::retryable(reason),
    }
}

/// `Ok` for a 2xx status, the classified failure otherwise.
pub fn check_status(
    status: u16,
    retry_after_header: Option<&str>,
    body_hint: &str,
) -> Result<(), SyncError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(classify_http(status, retry_after_header, body_hint))
    }
}

/// Reads a `Retry-After` value: delay-seconds (`120`) or an HTTP-date (IMF-fixdate, and the
/// obsolete RFC 850 and asctime forms). A date in the past means "now" (zero); anything else
/// that does not parse is ignored (`None`), and the retry policy's backoff applies alone.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc2822(value) {
        return Some(at.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

/// A failure below HTTP: no status to classify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// No response within the client's timeout.
    Timeout,
    /// The connection could not be opened (DNS, refused, TLS).
    Connect,
    /// The connection dropped mid-request.
    ConnectionReset,
    /// A response arrived that could not be read (truncated, malformed JSON).
    MalformedResponse,
}

impl TransportFailure {
    const fn describe(self) -> &'static str {
        match self {
            TransportFailure::Timeout => "the provider did not answer in time",
            TransportFailure::Connect => "could not connect to the provider",
            TransportFailure::ConnectionReset => "the connection to the provider dropped",
            TransportFailure::MalformedResponse => "the provider's response could not be read",
        }
    }
}

/// Classifies a transport failure: always retryable.
///
/// Whether the provider applied the request is unknown in every one of these cases, which is safe
/// because provider calls are idempotent (see [`ContactSync`](crate::ContactSync)); the retry
/// policy bounds how often it happens. `detail` is logged with the reason; keep it free of
/// personal data.
pub fn classify_transport(failure: TransportFailure, detail: &str) -> SyncError {
    let detail = clean_hint(detail);
    let reason = if detail.is_empty() {
        failure.describe().to_owned()
    } else {
        format!("{}: {detail}", failure.describe())
    };
    SyncError::retryable(reason)
}

fn describe(status: u16, body_hint: &str) -> String {
    let hint = clean_hint(body_hint);
    if hint.is_empty() {
        format!("HTTP {status} without a body")
    } else {
        format!("HTTP {status}: {hint}")
    }
}

fn clean_hint(hint: &str) -> String {
    hint.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_HINT_CHARS)
        .collect()
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
