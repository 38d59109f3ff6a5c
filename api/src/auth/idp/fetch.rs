//! Fetching an identity provider's JWKS over HTTP: bounded in time and size, no redirects.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{CACHE_CONTROL, HeaderMap};

/// Largest JWKS document read (a provider's holds a handful of keys, a few KB).
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// A fetched JWKS document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The body (at most [`MAX_JWKS_BYTES`]).
    pub body: Vec<u8>,
    /// `Cache-Control: max-age`, when the answer carries one (and no `no-store`/`no-cache`).
    pub max_age: Option<Duration>,
}

/// Why a fetch failed. Logged; never shown to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No answer within `jwks_timeout_seconds`.
    #[error("no answer within the timeout")]
    Timeout,
    /// A status other than 2xx (redirects are not followed).
    #[error("HTTP status {0}")]
    Status(u16),
    /// The document is larger than [`MAX_JWKS_BYTES`].
    #[error("the document is larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    /// Connection or protocol failure.
    #[error("transport failure: {0}")]
    Transport(String),
}

/// Where the keys come from: the provider over HTTP, or a fake in tests.
#[async_trait]
pub trait JwksSource: Send + Sync {
    /// Fetches the current document.
    async fn fetch(&self) -> Result<Fetched, FetchError>;
}

/// The provider's `jwks_url`, fetched with reqwest.
#[derive(Debug)]
pub struct HttpJwksSource {
    client: reqwest::Client,
    url: String,
}

impl HttpJwksSource {
    /// A source for `url` (already checked: https, or http to an allowed host).
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect could lead from https to http or to another host: refused.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| format!("cannot build the JWKS client: {err}"))?;
        Ok(Self {
            client,
            url: url.to_owned(),
        })
    }
}

fn classify(err: &reqwest::Error) -> FetchError {
    if err.is_timeout() {
        return FetchError::Timeout;
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchError::Transport(text)
}

#[async_trait]
impl JwksSource for HttpJwksSource {
    async fn fetch(&self) -> Result<Fetched, FetchError> {
        let mut response = self
            .client
            .get(&self.url)
            .header("accept", "application/jwk-set+json, application/json")
            .send()
            .await
            .map_err(|err| classify(&err))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let max_age = max_age(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| classify(&err))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { body, max_age })
    }
}

/// `max-age` from `Cache-Control`, unless the answer also says `no-store` or `no-cache`.
pub fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut age = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for directive in value.split(',').map(str::trim) {
            let lower = directive.to_ascii_lowercase();
            if lower == "no-store" || lower == "no-cache" {
                return None;
            }
            if let Some(seconds) = lower.strip_prefix("max-age=") {
                age = seconds
                    .trim_matches('"')
                    .parse::<u64>()
                    .ok()
                    .map(Duration::from_secs);
            }
        }
    }
    age
}

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
