//! Sending one delivery attempt: the signed request and what came back.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::config::WebhookSettings;

/// One request to make.
#[derive(Debug, Clone, Copy)]
pub struct Outbound<'a> {
    /// The endpoint's URL.
    pub url: &'a str,
    /// The secrets that sign it (`whsec_…`): the current one, and the previous one while a
    /// rotation's overlap lasts.
    pub secrets: &'a [&'a str],
    /// The event id (`webhook-id`): the same on every attempt.
    pub event_id: &'a str,
    /// When this attempt is made (`webhook-timestamp`).
    pub timestamp: DateTime<Utc>,
    /// The JSON body, exactly as signed.
    pub body: &'a str,
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long the attempt took.
    pub latency_ms: u32,
    /// Why it failed without a status (refused destination, timeout, connection error).
    pub error: Option<String>,
    /// The start of the response body, bounded.
    pub response_excerpt: Option<String>,
}

impl AttemptOutcome {
    /// A 2xx answer: the endpoint has the event.
    pub fn succeeded(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }
}

/// Sends webhook requests under the configured limits.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
}

impl Sender {
    /// A sender with the configured timeout.
    pub fn from_settings(settings: &WebhookSettings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        Ok(Self { client })
    }

    /// Makes one attempt.
    pub async fn send(&self, out: Outbound<'_>) -> AttemptOutcome {
        let started = Instant::now();
        let result = self
            .client
            .post(out.url)
            .header("content-type", "application/json")
            .header("webhook-id", out.event_id)
            .header("webhook-timestamp", out.timestamp.timestamp().to_string())
            .body(out.body.to_owned())
            .send()
            .await;
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        match result {
            Ok(response) => AttemptOutcome {
                status: Some(response.status().as_u16()),
                latency_ms,
                error: None,
                response_excerpt: None,
            },
            Err(err) => AttemptOutcome {
                status: None,
                latency_ms,
                error: Some(err.to_string()),
                response_excerpt: None,
            },
        }
    }
}
