//! The bounded queue in front of the exporter, and its counts. Finished spans wait for export
//! in the SDK's batch processor (a thread of its own, never a request's); this gate admits a
//! span only while fewer than `queue_size` wait, so the processor's own queue never fills,
//! and every span turned away is counted. The exporter wrapper counts what was sent and what a
//! failed export lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, Span, SpanData, SpanExporter, SpanProcessor};
use prometheus_client::metrics::counter::Counter;

/// What became of the spans of one server.
#[derive(Debug)]
pub struct SpanCounts {
    waiting: AtomicUsize,
    limit: usize,
    failing: AtomicBool,
    /// Spans handed to the collector, which accepted them.
    pub exported: Counter,
    /// Spans turned away because `queue_size` spans were already waiting.
    pub dropped: Counter,
    /// Spans lost with an export that failed or timed out.
    pub failed: Counter,
}

impl SpanCounts {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            waiting: AtomicUsize::new(0),
            limit,
            failing: AtomicBool::new(false),
            exported: Counter::default(),
            dropped: Counter::default(),
            failed: Counter::default(),
        }
    }

    /// Takes a place in the queue, if one is free.
    fn admit(&self) -> bool {
        self.waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .is_ok()
    }

    /// Frees the places of `n` spans leaving the queue for an export.
    fn release(&self, n: usize) {
        let _ = self
            .waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                Some(w.saturating_sub(n))
            });
    }
}

/// The batch processor behind the gate.
#[derive(Debug)]
pub(super) struct Gate {
    pub(super) inner: BatchSpanProcessor,
    pub(super) counts: Arc<SpanCounts>,
}

impl SpanProcessor for Gate {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if self.counts.admit() {
            self.inner.on_end(span);
        } else {
            self.counts.dropped.inc();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The exporter, counting.
#[derive(Debug)]
pub(super) struct Counted<E> {
    pub(super) inner: E,
    pub(super) counts: Arc<SpanCounts>,
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len();
        self.counts.release(n);
        let result = self.inner.export(batch).await;
        let n = n as u64;
        match &result {
            Ok(()) => {
                self.counts.exported.inc_by(n);
                if self.counts.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("traces: the collector accepts spans again");
                }
            }
            Err(err) => {
                self.counts.failed.inc_by(n);
                if !self.counts.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %err, spans = n, "traces: an export failed; spans are lost until the collector answers (counted in rapport_trace_spans_failed_total)");
                }
            }
        }
        result
    }

    fn shutdown_with_timeout(&mut self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&mut self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::SpanCounts;

    #[test]
    fn the_gate_admits_up_to_its_limit_and_frees_places_on_export() {
        let counts = SpanCounts::new(2);
        assert!(counts.admit());
        assert!(counts.admit());
        assert!(!counts.admit(), "the third waits for a place");
        counts.release(1);
        assert!(counts.admit());
        counts.release(5);
        assert!(counts.admit() && counts.admit() && !counts.admit());
    }
}
