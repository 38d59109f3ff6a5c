//! Settings of the logs.

use serde::{Deserialize, Serialize};

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log shippers.
    pub format: LogFormat,
    /// Filter in `tracing` syntax (`info,rapport_api=debug`); `RUST_LOG` overrides it.
    pub filter: String,
    /// Refused requests (4xx) logged per window; the rest are counted in one summary line.
    pub refusal_lines: u32,
    /// The window of `refusal_lines`, in seconds.
    pub refusal_window_secs: u64,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info".into(),
            refusal_lines: 10,
            refusal_window_secs: 60,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}
