//! `rapport healthcheck`: asks the local server's `/healthz`, so a container image needs no
//! curl. Exits non-zero when the server does not answer 200 in time.

use std::time::Duration;

use anyhow::Context as _;

use crate::config::Settings;

/// Asks `url` (default: `http://127.0.0.1:<http.port>/healthz`) and succeeds on a 200 answer
/// within `timeout`.
///
/// # Errors
/// No answer in time, or an answer other than 200, named.
pub async fn healthcheck(
    settings: &Settings,
    url: Option<&str>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let url = url.map_or_else(
        || format!("http://127.0.0.1:{}/healthz", settings.http.port),
        str::to_owned,
    );
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .context("cannot build the HTTP client")?;
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("{url} did not answer"))?;
    let status = response.status();
    anyhow::ensure!(status.as_u16() == 200, "{url} answered {status}");
    Ok(())
}
