//! Settings of what the server tells its operators: the metric labels' bounds and the optional
//! OpenTelemetry traces.

use serde::{Deserialize, Serialize};

/// Metrics and traces.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// Distinct GraphQL operation names `/metrics` labels requests with: the first ones that
    /// authenticated callers send; later names count as `other`.
    pub operation_names: usize,
    /// Where traces go, over OTLP/HTTP with protobuf bodies: a collector's base URL
    /// (`http://collector:4318`, to which `/v1/traces` is added) or the full traces URL.
    /// None (the default): no traces are made at all.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// The share of new traces kept, 0.0 to 1.0; a request that continues a caller's trace
    /// (`traceparent`) follows the caller's decision.
    pub sampling_ratio: f64,
    /// How long one export may take before it is given up (milliseconds).
    pub export_timeout_ms: u64,
    /// Finished spans waiting for export; past it new spans are dropped (and counted), so a
    /// slow or absent collector never holds a request.
    pub queue_size: usize,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            operation_names: 200,
            otlp_endpoint: None,
            service_name: "rapport".to_owned(),
            sampling_ratio: 1.0,
            export_timeout_ms: 5_000,
            queue_size: 2_048,
        }
    }
}

impl TelemetrySettings {
    /// The endpoint in force (none when unset or blank).
    pub fn endpoint(&self) -> Option<&str> {
        self.otlp_endpoint
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }

    /// The URL spans are posted to: the endpoint, with `/v1/traces` added unless it ends so.
    ///
    /// # Errors
    /// An endpoint that is not an `http` or `https` URL with a host, named.
    pub fn traces_url(&self) -> Result<Option<String>, String> {
        let Some(endpoint) = self.endpoint() else {
            return Ok(None);
        };
        let bad = |why: &str| {
            format!(
                "telemetry.otlp_endpoint `{endpoint}` is not usable: {why} (e.g. http://localhost:4318)"
            )
        };
        let url = url::Url::parse(endpoint).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it names no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not carry a query or a fragment"));
        }
        let base = endpoint.trim_end_matches('/');
        Ok(Some(if base.ends_with("/v1/traces") {
            base.to_owned()
        } else {
            format!("{base}/v1/traces")
        }))
    }

    /// Checks the trace settings, naming the key at fault.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), String> {
        self.traces_url()?;
        if !(0.0..=1.0).contains(&self.sampling_ratio) {
            return Err(format!(
                "telemetry.sampling_ratio must be between 0.0 and 1.0, not {}",
                self.sampling_ratio
            ));
        }
        if self.service_name.trim().is_empty() {
            return Err("telemetry.service_name must not be empty".to_owned());
        }
        if !(100..=60_000).contains(&self.export_timeout_ms) {
            return Err(format!(
                "telemetry.export_timeout_ms must be 100 to 60000, not {}",
                self.export_timeout_ms
            ));
        }
        if !(1..=1_000_000).contains(&self.queue_size) {
            return Err(format!(
                "telemetry.queue_size must be 1 to 1000000, not {}",
                self.queue_size
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::TelemetrySettings;

    fn with_endpoint(endpoint: &str) -> TelemetrySettings {
        TelemetrySettings {
            otlp_endpoint: Some(endpoint.to_owned()),
            ..TelemetrySettings::default()
        }
    }

    #[test]
    fn traces_are_off_unless_an_endpoint_is_given() {
        assert_eq!(TelemetrySettings::default().traces_url(), Ok(None));
        assert_eq!(with_endpoint("  ").traces_url(), Ok(None));
    }

    #[test]
    fn a_base_endpoint_gets_the_traces_path_and_a_full_one_is_kept() {
        assert_eq!(
            with_endpoint("http://collector:4318").traces_url(),
            Ok(Some("http://collector:4318/v1/traces".to_owned()))
        );
        assert_eq!(
            with_endpoint("https://otel.example/v1/traces/").traces_url(),
            Ok(Some("https://otel.example/v1/traces".to_owned()))
        );
    }

    #[test]
    fn a_bad_endpoint_ratio_timeout_or_queue_is_refused_by_name() {
        for (settings, names) in [
            (with_endpoint("collector:4318"), "telemetry.otlp_endpoint"),
            (
                with_endpoint("grpc://collector:4317"),
                "telemetry.otlp_endpoint",
            ),
            (
                with_endpoint("http://c:4318/?x=1"),
                "telemetry.otlp_endpoint",
            ),
            (
                TelemetrySettings {
                    sampling_ratio: 1.5,
                    ..TelemetrySettings::default()
                },
                "telemetry.sampling_ratio",
            ),
            (
                TelemetrySettings {
                    export_timeout_ms: 0,
                    ..TelemetrySettings::default()
                },
                "telemetry.export_timeout_ms",
            ),
            (
                TelemetrySettings {
                    queue_size: 0,
                    ..TelemetrySettings::default()
                },
                "telemetry.queue_size",
            ),
        ] {
            let err = settings.validate().expect_err(names);
            assert!(err.contains(names), "{err}");
        }
        assert_eq!(TelemetrySettings::default().validate(), Ok(()));
    }
}
