//! Optional OpenTelemetry traces, exported over OTLP/HTTP (protobuf bodies, the reqwest
//! client) when `telemetry.otlp_endpoint` is set; without it nothing here is built and the
//! request path only asks, per request, per root field, per loader batch and per statement,
//! whether a trace is running (a thread-local look-up).
//!
//! What is traced: a server span per HTTP request (continuing the caller's trace when a W3C
//! `traceparent` header comes with it), a span per GraphQL root field (`Query.contacts`,
//! `Mutation.createContact`: it covers everything below that field), a span per loader batch
//! (`load AccountLoader`: a DataLoader's batch, or a page's items loaded up front), and a
//! client span per SQL statement. The request's
//! OpenTelemetry context, which carries this server's tracer, travels with the request's
//! futures (and the loader batches they spawn); the store's statement hook reads it.
//!
//! Why the OpenTelemetry API directly and not through the `tracing` logger: the tracer is one
//! per server, not a process-wide subscriber, so tests can start several servers in one
//! process; statements are seen after they ran (sea-orm's metric hook), so their spans are
//! back-dated, which `tracing` spans cannot be; and with traces off, no layer looks at any
//! span.

mod http;
mod queue;
mod spans;

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider, SpanExporter,
};

use crate::config::TelemetrySettings;

pub use http::trace_middleware;
pub use queue::SpanCounts;
pub(crate) use spans::{loader_batch, loader_name, loader_spawner, root_field, statement};

/// The traces of one server: its tracer provider (with the batch exporter) and its counts.
#[derive(Debug)]
pub struct Traces {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    propagator: TraceContextPropagator,
    counts: Arc<SpanCounts>,
}

impl Traces {
    /// The traces `settings` ask for: none when no endpoint is set.
    ///
    /// # Errors
    /// An unusable endpoint or setting, named.
    pub fn start(settings: &TelemetrySettings) -> Result<Option<Arc<Self>>, String> {
        settings.validate()?;
        let Some(url) = settings.traces_url()? else {
            return Ok(None);
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .with_timeout(Duration::from_millis(settings.export_timeout_ms))
            .build()
            .map_err(|e| format!("telemetry.otlp_endpoint: cannot build the exporter: {e}"))?;
        Ok(Some(Arc::new(Self::with_exporter(exporter, settings))))
    }

    /// Traces sent to `exporter`, batched and bounded as `settings` say.
    pub fn with_exporter<E: SpanExporter + 'static>(
        exporter: E,
        settings: &TelemetrySettings,
    ) -> Self {
        let queue = settings.queue_size.max(1);
        let counts = Arc::new(SpanCounts::new(queue));
        let batch = BatchSpanProcessor::builder(queue::Counted {
            inner: exporter,
            counts: Arc::clone(&counts),
        })
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(queue)
                .with_max_export_batch_size(queue.min(512))
                .with_scheduled_delay(Duration::from_secs(1))
                .build(),
        )
        .build();
        let ratio = settings.sampling_ratio.clamp(0.0, 1.0);
        let provider = SdkTracerProvider::builder()
            .with_span_processor(queue::Gate {
                inner: batch,
                counts: Arc::clone(&counts),
            })
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                ratio,
            ))))
            .with_resource(
                Resource::builder()
                    .with_service_name(settings.service_name.trim().to_owned())
                    .build(),
            )
            .build();
        let tracer = provider.tracer("rapport");
        Self {
            provider,
            tracer,
            propagator: TraceContextPropagator::new(),
            counts,
        }
    }

    /// What became of the spans so far.
    pub fn counts(&self) -> &SpanCounts {
        &self.counts
    }

    /// Exports the spans that wait, blocking until the collector answered (or the export
    /// timed out). Call it off the async workers (`spawn_blocking`).
    ///
    /// # Errors
    /// The export failed.
    pub fn force_flush(&self) -> Result<(), String> {
        self.provider.force_flush().map_err(|e| e.to_string())
    }

    /// Exports what waits and stops the exporter (blocking, bounded by the export timeout).
    pub fn shutdown(&self) {
        if let Err(err) = self.provider.shutdown() {
            tracing::debug!(error = %err, "traces: shutdown");
        }
    }
}
