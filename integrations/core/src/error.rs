//! How a provider call failed, in the three classes the worker acts on.

use std::time::Duration;

/// A failed provider call, classified by what the worker must do next.
///
/// Providers classify by HTTP status and by the error *kind* a provider documents (a problem
/// `title`, an error code), never by free prose. [`classify_http`](crate::classify_http) and
/// [`classify_transport`](crate::classify_transport) give the default mapping; a provider
/// overrides it where it knows better (Mailchimp's bare 403 under load is retryable; its 400
/// "Member In Compliance State" is permanent).
///
/// Reasons are shown to admins (sync status, dead letters) and logged: they must not carry
/// personal data or secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// Worth trying again later: rate limited, the provider is down, a timeout, a dropped
    /// connection. The worker retries with backoff until the attempts run out.
    #[error("retryable: {reason}")]
    Retryable {
        /// What happened.
        reason: String,
        /// How long the provider asked us to wait (HTTP `Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// Will fail the same way every time for this contact: the job becomes a dead letter at once
    /// and is never retried in a loop. A later change of the contact tries again, once.
    #[error("permanent: {reason}")]
    Permanent {
        /// What happened, for the admin who will look at the dead letter.
        reason: String,
    },
    /// Our credentials were refused: every job of this provider would fail the same way. The
    /// worker pauses the provider until an admin resumes it; no job loses its place.
    #[error("unauthorized: {reason}")]
    Unauthorized {
        /// What happened.
        reason: String,
    },
}

impl SyncError {
    /// A retryable failure without a provider-requested delay.
    pub fn retryable(reason: impl Into<String>) -> Self {
        SyncError::Retryable {
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// A permanent failure.
    pub fn permanent(reason: impl Into<String>) -> Self {
        SyncError::Permanent {
            reason: reason.into(),
        }
    }

    /// An authorization failure.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        SyncError::Unauthorized {
            reason: reason.into(),
        }
    }

    /// The reason, without the class.
    pub fn reason(&self) -> &str {
        match self {
            SyncError::Retryable { reason, .. }
            | SyncError::Permanent { reason }
            | SyncError::Unauthorized { reason } => reason,
        }
    }

    /// A stable code for the class (`RETRYABLE`, `PERMANENT`, `UNAUTHORIZED`), for storage and
    /// metrics.
    pub const fn code(&self) -> &'static str {
        match self {
            SyncError::Retryable { .. } => "RETRYABLE",
            SyncError::Permanent { .. } => "PERMANENT",
            SyncError::Unauthorized { .. } => "UNAUTHORIZED",
        }
    }

    /// Whether trying again later may succeed.
    pub const fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Retryable { .. })
    }

    /// The delay the provider asked for, if any.
    pub const fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Retryable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_has_a_stable_code_and_keeps_its_reason() {
        let retry = SyncError::Retryable {
            reason: "HTTP 429: Too Many Requests".into(),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            (retry.code(), retry.reason()),
            ("RETRYABLE", "HTTP 429: Too Many Requests")
        );
        assert_eq!(retry.retry_after(), Some(Duration::from_secs(3)));
        assert!(retry.is_retryable());
        let permanent = SyncError::permanent("HTTP 404: Resource Not Found");
        assert_eq!(permanent.code(), "PERMANENT");
        assert_eq!(permanent.retry_after(), None);
        assert!(!permanent.is_retryable());
        let unauthorized = SyncError::unauthorized("HTTP 401: API Key Invalid");
        assert_eq!(
            unauthorized.to_string(),
            "unauthorized: HTTP 401: API Key Invalid"
        );
        assert_eq!(unauthorized.code(), "UNAUTHORIZED");
    }
}
