//! The trace exporter's counts on `/metrics`, registered only when traces are on.

use super::families::Metrics;
use crate::traces::SpanCounts;

impl Metrics {
    /// Adds the trace exporter's counts (when traces are on).
    #[must_use]
    pub fn with_traces(mut self, counts: Option<&SpanCounts>) -> Self {
        let Some(counts) = counts else {
            return self;
        };
        self.registry.register(
            "rapport_trace_spans_exported",
            "Spans the OTLP collector accepted",
            counts.exported.clone(),
        );
        self.registry.register(
            "rapport_trace_spans_dropped",
            "Spans dropped because telemetry.queue_size spans already waited for export",
            counts.dropped.clone(),
        );
        self.registry.register(
            "rapport_trace_spans_failed",
            "Spans lost with an export that failed or timed out",
            counts.failed.clone(),
        );
        self
    }
}
