//! HTTP plumbing: one authenticated call to the audience, under the connection cap.

use std::time::{Duration, Instant};

use rapport_integrations::{ConcurrencyLimit, SyncError};
use reqwest::Method;
use reqwest::header::RETRY_AFTER;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use crate::classify::{classify_failure, classify_reqwest};
use crate::config::{ConfigError, MailchimpConfig};

/// The user name of HTTP Basic: Mailchimp ignores it and reads the key from the password.
const BASIC_USER: &str = "rapport";

/// An HTTP client for one audience. Cheap to clone: clones share the connection pool and the
/// connection cap.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    api_key: SecretString,
    /// `<root>/lists/<list_id>`, without a trailing slash.
    list_url: String,
    limit: ConcurrencyLimit,
}

/// A response that arrived in full, whatever its status.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    retry_after: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// The body of a 2xx answer, or the classified failure.
    pub(crate) fn success(self) -> Result<Vec<u8>, SyncError> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(classify_failure(
                self.status,
                self.retry_after.as_deref(),
                &self.body,
            ))
        }
    }
}

impl Client {
    pub(crate) fn new(config: &MailchimpConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let root = config.api_root()?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            .connect_timeout(config.timeout().min(Duration::from_secs(10)))
            .pool_max_idle_per_host(config.max_connections.get())
            .user_agent(concat!("rapport-mailchimp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| ConfigError::Client)?;
        Ok(Self {
            http,
            api_key: config.api_key.clone(),
            list_url: format!("{root}/lists/{}", config.list_id),
            limit: ConcurrencyLimit::new(config.max_connections),
        })
    }

    /// Sends one call to `<list url><path>` (`path` empty or starting with `/`) and reads the
    /// whole answer. Holds one of the connection cap's slots from before the request until the
    /// body is read. Fails only below HTTP; statuses are the caller's to judge.
    pub(crate) async fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        timeout: Option<Duration>,
    ) -> Result<Reply, SyncError> {
        let _slot = self.limit.acquire().await;
        let started = Instant::now();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.list_url))
            .basic_auth(BASIC_USER, Some(self.api_key.expose_secret()));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let outcome = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Reply {
                status,
                retry_after,
                body,
            })
        }
        .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok(reply) => {
                tracing::debug!(%method, status = reply.status, elapsed_ms, "mailchimp call");
                Ok(reply)
            }
            Err(err) => {
                let err = classify_reqwest(err);
                tracing::debug!(%method, elapsed_ms, error = %err, "mailchimp call failed");
                Err(err)
            }
        }
    }
}
