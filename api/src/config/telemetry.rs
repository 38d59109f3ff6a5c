//! Settings of what the server tells its operators: the metric labels' bounds.

use serde::{Deserialize, Serialize};

/// Metrics and traces.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// Distinct GraphQL operation names `/metrics` labels requests with: the first ones that
    /// authenticated callers send; later names count as `other`.
    pub operation_names: usize,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            operation_names: 200,
        }
    }
}
