//! Settings of import jobs (`startImport`, `rapport import --background`).

use serde::{Deserialize, Serialize};

/// Import jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// Run queued import jobs inside the server (`rapport worker` runs them too).
    pub run_in_server: bool,
    /// How long an idle job loop waits before looking for a job again, in milliseconds.
    pub poll_ms: u64,
    /// How long a claim holds a job, in seconds; renewed with each chunk of 500 rows. A job
    /// whose process died is taken up again, where it stopped, once this passes: it must exceed
    /// the time one chunk takes.
    pub lease_secs: u64,
    /// `rapport import` runs a file larger than this many bytes as a job (as `--background`
    /// does; about 80,000 contact rows); 0: only with `--background`.
    pub background_bytes: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            run_in_server: true,
            poll_ms: 1_000,
            lease_secs: 60,
            background_bytes: 8 << 20,
        }
    }
}

impl ImportSettings {
    /// Refuses settings a job loop cannot run with.
    pub fn validate(&self) -> Result<(), String> {
        if self.lease_secs == 0 {
            return Err("imports.lease_secs must be at least 1".into());
        }
        Ok(())
    }
}
