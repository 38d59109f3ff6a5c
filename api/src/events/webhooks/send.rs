//! Sending one delivery attempt: the signed request and what came back.
//!
//! Every attempt is vetted before a byte leaves (see [`super::guard`]): the URL's form, then the
//! addresses its host resolves to, resolved here once; the connection goes to those vetted
//! addresses only (the client is pinned to them, so no second lookup can rebind the name).
//! Redirects are never followed, the response body is read up to a bound, and one deadline
//! covers the lookup, the connection, the headers and the body.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::guard::Allowances;
use super::sign::signature_header;
use crate::config::WebhookSettings;

/// Most characters of a response body kept in the delivery log.
pub const EXCERPT_CHARS: usize = 1024;

/// The `user-agent` of every request.
pub const USER_AGENT: &str = concat!("Rapport-Webhooks/", env!("CARGO_PKG_VERSION"));

/// One request to make.
#[derive(Clone, Copy)]
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

impl std::fmt::Debug for Outbound<'_> {
    // The secrets never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("url", &self.url)
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.secrets.len()),
            )
            .field("event_id", &self.event_id)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long the attempt took.
    pub latency_ms: u32,
    /// Why it failed (refused destination, timeout, connection error, redirect); short and
    /// safe to show the endpoint's owner.
    pub error: Option<String>,
    /// The start of the response body, bounded.
    pub response_excerpt: Option<String>,
}

impl AttemptOutcome {
    /// A 2xx answer: the endpoint has the event.
    pub fn succeeded(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }

    fn failed(started: Instant, error: String) -> Self {
        Self {
            status: None,
            latency_ms: elapsed_ms(started),
            error: Some(error),
            response_excerpt: None,
        }
    }
}

fn elapsed_ms(started: Instant) -> u32 {
    u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX)
}

/// Sends webhook requests under the configured limits.
#[derive(Debug, Clone)]
pub struct Sender {
    allow: Allowances,
    timeout: Duration,
    max_response_bytes: usize,
}

impl Sender {
    /// A sender with the configured allow lists, timeout and response bound.
    ///
    /// # Errors
    /// Settings that cannot work (see [`validate`]).
    pub fn from_settings(settings: &WebhookSettings) -> Result<Self, String> {
        validate(settings)?;
        Ok(Self {
            allow: Allowances::from_settings(settings),
            timeout: Duration::from_secs(settings.timeout_secs),
            max_response_bytes: settings.max_response_bytes,
        })
    }

    /// The allow lists (endpoint registration checks URLs with them).
    pub fn allowances(&self) -> &Allowances {
        &self.allow
    }

    /// Makes one attempt. Never fails: what went wrong is in the outcome.
    pub async fn send(&self, out: Outbound<'_>) -> AttemptOutcome {
        let started = Instant::now();
        match tokio::time::timeout(self.timeout, self.attempt(out, started)).await {
            Ok(outcome) => outcome,
            Err(_) => AttemptOutcome::failed(
                started,
                format!("timed out after {} s", self.timeout.as_secs()),
            ),
        }
    }

    async fn attempt(&self, out: Outbound<'_>, started: Instant) -> AttemptOutcome {
        let (url, host) = match self.allow.check_url(out.url) {
            Ok(checked) => checked,
            Err(e) => return AttemptOutcome::failed(started, format!("the URL {e}")),
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = match resolve(&host, port).await {
            Ok(addrs) => addrs,
            Err(e) => return AttemptOutcome::failed(started, e),
        };
        let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
        if let Err(e) = self.allow.vet(&host, &ips) {
            return AttemptOutcome::failed(started, e);
        }
        let signature = match signature_header(
            out.secrets,
            out.event_id,
            out.timestamp.timestamp(),
            out.body,
        ) {
            Ok(s) => s,
            Err(e) => return AttemptOutcome::failed(started, e),
        };
        let client = match pinned_client(&host, &addrs, self.timeout) {
            Ok(c) => c,
            Err(e) => return AttemptOutcome::failed(started, e),
        };
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("user-agent", USER_AGENT)
            .header("webhook-id", out.event_id)
            .header("webhook-timestamp", out.timestamp.timestamp().to_string())
            .header("webhook-signature", signature)
            .body(out.body.to_owned())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return AttemptOutcome::failed(started, describe(&e)),
        };
        let status = response.status();
        let mut body = Vec::new();
        let mut error = None;
        while body.len() < self.max_response_bytes {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    error = Some(format!("the response body broke off ({})", describe(&e)));
                    break;
                }
            }
        }
        body.truncate(self.max_response_bytes);
        if status.is_redirection() {
            error = Some(format!(
                "answered {} (a redirect): redirects are not followed",
                status.as_u16()
            ));
        }
        let excerpt: String = String::from_utf8_lossy(&body)
            .chars()
            .take(EXCERPT_CHARS)
            .collect();
        AttemptOutcome {
            status: Some(status.as_u16()),
            latency_ms: elapsed_ms(started),
            error,
            response_excerpt: (!excerpt.is_empty()).then_some(excerpt),
        }
    }
}

/// The addresses of `host` (an IP literal is its own answer).
async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("cannot resolve {host}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    Ok(addrs)
}

/// A client that connects `host` to the vetted `addrs` only: no proxy, no redirects, no
/// second lookup.
fn pinned_client(
    host: &str,
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout)
        .resolve_to_addrs(host, addrs)
        .build()
        .map_err(|_| "cannot prepare the request".to_owned())
}

/// A short, safe description of a transport error (no internal chain).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_body() || err.is_decode() {
        "the response could not be read".to_owned()
    } else {
        "the request failed".to_owned()
    }
}

/// Checks `[events.webhooks]`, naming the key.
///
/// # Errors
/// The first problem found.
pub fn validate(settings: &WebhookSettings) -> Result<(), String> {
    if !(1..=120).contains(&settings.timeout_secs) {
        return Err("events.webhooks.timeout_secs must be 1 to 120".to_owned());
    }
    if !(1..=1_048_576).contains(&settings.max_response_bytes) {
        return Err("events.webhooks.max_response_bytes must be 1 to 1048576".to_owned());
    }
    if !(1..=256).contains(&settings.concurrency) {
        return Err("events.webhooks.concurrency must be 1 to 256".to_owned());
    }
    for (key, hosts) in [
        ("allow_http_hosts", &settings.allow_http_hosts),
        ("allow_private_hosts", &settings.allow_private_hosts),
    ] {
        for host in hosts {
            let h = host.trim();
            if h.is_empty() || h.contains(['/', ' ', '@', '*']) {
                return Err(format!(
                    "events.webhooks.{key}: {host:?} is not a host name or address (no scheme, path or wildcard)"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_debug_output() {
        let out = Outbound {
            url: "https://example.com/",
            secrets: &["whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"],
            event_id: "evt_1",
            timestamp: Utc::now(),
            body: "{}",
        };
        let shown = format!("{out:?}");
        assert!(!shown.contains("whsec_"), "{shown}");
        assert!(shown.contains("<1 redacted>"), "{shown}");
    }

    #[test]
    fn settings_are_checked_naming_the_key() {
        let ok = WebhookSettings::default();
        assert!(validate(&ok).is_ok());
        let mut s = ok.clone();
        s.timeout_secs = 0;
        assert!(
            validate(&s)
                .expect_err("0 s")
                .contains("events.webhooks.timeout_secs")
        );
        let mut s = ok.clone();
        s.max_response_bytes = 0;
        assert!(
            validate(&s)
                .expect_err("0 bytes")
                .contains("events.webhooks.max_response_bytes")
        );
        let mut s = ok.clone();
        s.allow_private_hosts = vec!["http://10.0.0.5/".into()];
        assert!(
            validate(&s)
                .expect_err("a URL")
                .contains("events.webhooks.allow_private_hosts")
        );
        let mut s = ok;
        s.allow_http_hosts = vec!["*.example.com".into()];
        assert!(
            validate(&s)
                .expect_err("wildcard")
                .contains("events.webhooks.allow_http_hosts")
        );
    }
}
