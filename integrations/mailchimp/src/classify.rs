//! Mailchimp's failures in the worker's three classes.
//!
//! Mailchimp answers errors as `application/problem+json` (`type`, `title`, `status`, `detail`,
//! `instance`; `Invalid Resource` adds `errors: [{field, message}]`). Classification branches on
//! the status and the `title`, never on `detail`, which is prose and often holds the address.

use rapport_integrations::{SyncError, TransportFailure, classify_http, classify_transport};
use serde::Deserialize;

/// Problem titles that fail the same way on every retry: the job becomes a dead letter with the
/// title as its reason, whatever the status.
///
/// - `Member In Compliance State`: unsubscribed, bounced or under review; only a `pending`
///   re-opt-in by the person can bring them back.
/// - `Forgotten Email Not Subscribed`: the address was permanently deleted and cannot be
///   re-imported.
/// - `Invalid Resource`: a merge field the audience lacks or refuses, or an address Mailchimp
///   considers fake.
pub const PERMANENT_TITLES: [&str; 3] = [
    "Member In Compliance State",
    "Forgotten Email Not Subscribed",
    "Invalid Resource",
];

/// The parts of a problem document we read. Everything is optional: `type` is sometimes
/// missing, and a load balancer's error page is no problem document at all.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Problem {
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

#[derive(Debug, Deserialize)]
struct FieldError {
    #[serde(default)]
    field: Option<String>,
}

impl Problem {
    /// A problem document with a title, or `None` (no body, not JSON, no title).
    pub(crate) fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Problem>(body)
            .ok()
            .filter(|p| p.title.as_deref().is_some_and(|t| !t.trim().is_empty()))
    }

    /// The title, plus the names of the fields Mailchimp refused (never their values).
    fn hint(&self) -> String {
        let title = self.title.as_deref().unwrap_or_default().trim();
        let fields: Vec<&str> = self
            .errors
            .iter()
            .filter_map(|e| e.field.as_deref())
            .map(str::trim)
            .filter(|f| !f.is_empty() && f.len() <= 40 && !f.contains('@'))
            .collect();
        if fields.is_empty() {
            title.to_owned()
        } else {
            format!("{title} (fields: {})", fields.join(", "))
        }
    }
}

/// Classifies a Mailchimp error response.
///
/// Differs from [`classify_http`] in two places:
/// - a 403 without a problem document is Mailchimp shedding load, not a refused key:
///   retryable (a 403 *with* a problem title, such as "Forbidden" or "User Disabled", still
///   pauses the provider);
/// - the titles of [`PERMANENT_TITLES`] are permanent whatever the status.
///
/// Everything else follows [`classify_http`]: 401 unauthorized, 429 and 5xx retryable with
/// `Retry-After` when sent (Mailchimp does not send it today), other 4xx permanent.
pub fn classify_failure(status: u16, retry_after: Option<&str>, body: &[u8]) -> SyncError {
    let problem = Problem::parse(body);
    let Some(problem) = problem else {
        if status == 403 {
            return SyncError::retryable(
                "HTTP 403 without a body: Mailchimp refuses calls under heavy load",
            );
        }
        return classify_http(status, retry_after, "");
    };
    let hint = problem.hint();
    if problem
        .title
        .as_deref()
        .is_some_and(|t| PERMANENT_TITLES.contains(&t.trim()))
    {
        return SyncError::permanent(format!("HTTP {status}: {hint}"));
    }
    classify_http(status, retry_after, &hint)
}

/// Classifies a failure below HTTP, keeping the error's chain of causes but not its URL (which
/// holds the subscriber hash).
pub(crate) fn classify_reqwest(err: reqwest::Error) -> SyncError {
    let failure = if err.is_timeout() {
        TransportFailure::Timeout
    } else if err.is_connect() {
        TransportFailure::Connect
    } else if err.is_decode() || err.is_body() {
        TransportFailure::MalformedResponse
    } else {
        TransportFailure::ConnectionReset
    };
    let err = err.without_url();
    let mut detail = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&err);
    while let Some(cause) = source {
        if !detail.is_empty() {
            detail.push_str(": ");
        }
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    classify_transport(failure, &detail)
}

/// A 2xx answer whose body is not the JSON we expect.
pub(crate) fn malformed(what: &str) -> SyncError {
    classify_transport(TransportFailure::MalformedResponse, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, title: &str) -> Vec<u8> {
        serde_json::json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": title,
            "status": status,
            "detail": "ada@example.com is in a compliance state",
            "instance": "0d7e5d1e-6b1c-4f6e-8f4b-3c2f1d0e9a8b",
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_three_permanent_titles_are_permanent_and_keep_the_title_not_the_detail() {
        for title in PERMANENT_TITLES {
            let err = classify_failure(400, None, &problem(400, title));
            assert_eq!(
                err,
                SyncError::permanent(format!("HTTP 400: {title}")),
                "{title}"
            );
            assert!(
                !err.reason().contains('@'),
                "{title}: no address in the reason"
            );
        }
    }

    #[test]
    fn refused_merge_fields_are_named_in_the_reason() {
        let body = serde_json::json!({
            "title": "Invalid Resource",
            "status": 400,
            "detail": "Your merge fields were invalid.",
            "errors": [{"field": "PHONE", "message": "Please enter a valid phone number"}],
        })
        .to_string();
        assert_eq!(
            classify_failure(400, None, body.as_bytes()).reason(),
            "HTTP 400: Invalid Resource (fields: PHONE)"
        );
    }

    #[test]
    fn a_bare_403_is_retryable_but_a_403_with_a_problem_pauses_the_provider() {
        assert!(classify_failure(403, None, b"").is_retryable());
        assert!(classify_failure(403, None, b"<html>Forbidden</html>").is_retryable());
        assert_eq!(
            classify_failure(403, None, &problem(403, "User Disabled")).code(),
            "UNAUTHORIZED"
        );
    }

    #[test]
    fn statuses_without_a_known_title_follow_the_core_mapping() {
        assert_eq!(
            classify_failure(401, None, &problem(401, "API Key Invalid")),
            SyncError::unauthorized("HTTP 401: API Key Invalid")
        );
        assert_eq!(
            classify_failure(429, Some("7"), &problem(429, "Too Many Requests")).retry_after(),
            Some(std::time::Duration::from_secs(7))
        );
        assert!(classify_failure(502, None, b"<html>Bad Gateway</html>").is_retryable());
        assert_eq!(
            classify_failure(404, None, &problem(404, "Resource Not Found")).code(),
            "PERMANENT"
        );
    }
}
