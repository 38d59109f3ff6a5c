//! HTTP to Ringover: authentication, pacing, and failures turned into [`SyncError`]s.

use rapport_integrations::{
    Rate, RateLimiter, SyncError, TransportFailure, classify_http, classify_transport,
};
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

use crate::config::{ConfigError, RingoverConfig};

/// A configured connection to Ringover's API. Cheap to share: every request of the process goes
/// through one rate limiter.
#[derive(Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    api_key: HeaderValue,
    limiter: RateLimiter,
}

/// A response, whatever its status; the caller decides what a 404 means before classifying.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    retry_after: Option<String>,
    body: Vec<u8>,
}

impl Client {
    pub(crate) fn new(config: &RingoverConfig) -> Result<Self, ConfigError> {
        let base = config.validate()?;
        let mut api_key = HeaderValue::from_str(config.api_key.expose_secret().trim())
            .map_err(|_| ConfigError::MissingApiKey)?;
        api_key.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            .connect_timeout(config.timeout())
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ConfigError::Client(err.to_string()))?;
        // Validated above: finite, above zero, at most 100.
        let interval = Duration::from_secs_f64(1.0 / config.requests_per_second);
        let rate = Rate::new(std::num::NonZeroU32::MIN, interval)
            .ok_or(ConfigError::Rate(config.requests_per_second))?;
        Ok(Self {
            http,
            base,
            api_key,
            limiter: RateLimiter::new(rate),
        })
    }

    /// The URL of `segments` under the API root, each segment escaped.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends one request at the configured pace and reads the whole answer.
    pub(crate) async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<Reply, SyncError> {
        let mut request = self
            .http
            .request(method, self.url(segments))
            .header(AUTHORIZATION, self.api_key.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        self.limiter.acquire().await;
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(transport)?.to_vec();
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("rate", &self.limiter.rate())
            .finish_non_exhaustive()
    }
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Whether the answer carries nothing to read (204, or an empty 200).
    pub(crate) fn is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The body as `T`. A body that does not read as `T` is retryable: a truncated or garbled
    /// answer says nothing about whether the next one will be fine.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, SyncError> {
        serde_json::from_slice(&self.body).map_err(|err| {
            // serde's message names the field and position, never the value.
            classify_transport(TransportFailure::MalformedResponse, &err.to_string())
        })
    }

    /// `Ok` for a 2xx, the classified failure otherwise.
    pub(crate) fn ok(self) -> Result<Self, SyncError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(self.into_error())
        }
    }

    /// Classifies a non-2xx answer by status, with Ringover's own message when it sent one.
    pub(crate) fn into_error(self) -> SyncError {
        let hint = error_hint(&self.body);
        classify_http(self.status.as_u16(), self.retry_after.as_deref(), &hint)
    }
}

/// The message of an error body: `message` or `error` text, which Ringover uses without a fixed
/// shape. Anything else (HTML from a proxy, a stack trace) is left out of the reason, and long
/// digit runs are masked because a message may quote the phone number it refused.
fn error_hint(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    let text = ["message", "error", "error_description", "title"]
        .iter()
        .find_map(|key| match value.get(key) {
            Some(serde_json::Value::String(s)) => Some(s.as_str()),
            Some(serde_json::Value::Object(inner)) => {
                inner.get("message").and_then(serde_json::Value::as_str)
            }
            _ => None,
        })
        .unwrap_or_default();
    mask_numbers(text)
}

/// Replaces runs of 6 or more digits (phone numbers, ids of people) with `…`.
fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push('…');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// A request that got no usable HTTP answer. The detail drops the URL (it carries ids).
fn transport(err: reqwest::Error) -> SyncError {
    let failure = if err.is_timeout() {
        TransportFailure::Timeout
    } else if err.is_connect() {
        TransportFailure::Connect
    } else if err.is_decode() {
        TransportFailure::MalformedResponse
    } else {
        TransportFailure::ConnectionReset
    };
    classify_transport(failure, &err.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_hint_is_the_providers_message_without_phone_numbers() {
        assert_eq!(
            error_hint(br#"{"message":"Number 33612345678 is invalid"}"#),
            "Number … is invalid"
        );
        assert_eq!(error_hint(br#"{"error":"Bad field 12"}"#), "Bad field 12");
        assert_eq!(
            error_hint(br#"{"error":{"message":"Invalid type"}}"#),
            "Invalid type"
        );
        assert_eq!(error_hint(b"<html>Bad gateway</html>"), "");
        assert_eq!(error_hint(b""), "");
    }
}
