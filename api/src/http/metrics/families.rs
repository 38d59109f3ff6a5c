//! The series of `/metrics`, registered once per server in a `prometheus-client` registry.
//! Request series are updated by the request middleware; the gauges that describe the database
//! and the process are refreshed when `/metrics` is read.

use std::sync::atomic::{AtomicI64, AtomicU64};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::operations::OperationNames;
use super::pool_waits::PoolWaits;

/// One answered request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route pattern (`/graphql`, `/webhooks/{provider}`), `unmatched` for no route.
    pub route: String,
    /// The HTTP method (unusual ones folded to `other`).
    pub method: &'static str,
    /// The status code.
    pub status: u16,
    /// The GraphQL operation name (bounded, see [`OperationNames`]); empty off GraphQL.
    pub operation: String,
}

/// A route.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route pattern.
    pub route: String,
}

/// A contact-sync provider and what became of its jobs.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// The provider.
    pub provider: String,
    /// The outcome.
    pub outcome: &'static str,
}

/// A provider and the state of its queued jobs.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabels {
    /// The provider.
    pub provider: String,
    /// `pending`, `in_flight` or `failed`.
    pub state: &'static str,
}

/// A provider.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProviderLabels {
    /// The provider.
    pub provider: String,
}

/// A connection pool, and for occupancy the connections' state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// `writer`/`reader` (SQLite) or `main` (PostgreSQL).
    pub pool: &'static str,
    /// `in_use` or `idle`.
    pub state: &'static str,
}

/// A connection pool.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolNameLabels {
    /// The pool.
    pub pool: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every series of one server.
#[derive(Debug)]
pub struct Metrics {
    pub(super) registry: Registry,
    pub(super) operations: OperationNames,
    pub(super) requests: Family<RequestLabels, Counter>,
    pub(super) duration: Family<RouteLabels, Histogram>,
    pub(super) statements: Family<RouteLabels, Histogram>,
    pub(super) connections: Gauge<i64, AtomicI64>,
    pub(super) sync_jobs: Family<OutcomeLabels, Counter>,
    pub(super) subscriptions_live: Gauge<i64, AtomicI64>,
    pub(super) subscription_connections: Gauge<i64, AtomicI64>,
    pub(super) queue_readable: Gauge<i64, AtomicI64>,
    pub(super) queue_jobs: Family<QueueLabels, Gauge<i64, AtomicI64>>,
    pub(super) provider_paused: Family<ProviderLabels, Gauge<i64, AtomicI64>>,
    pub(super) rate_limit_keys: Gauge<i64, AtomicI64>,
    pub(super) pool_connections: Family<PoolLabels, Gauge<i64, AtomicI64>>,
    pub(super) pool_max: Family<PoolNameLabels, Gauge<i64, AtomicI64>>,
    pub(super) pool_waiting: Family<PoolNameLabels, Gauge<i64, AtomicI64>>,
    pub(super) pool_waits: PoolWaits,
    pub(super) relay_lag: FloatGauge,
    pub(super) worker_lag: FloatGauge,
    pub(super) resident_memory: Gauge<i64, AtomicI64>,
}

fn duration_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn statements_histogram() -> Histogram {
    Histogram::new([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 89.0])
}

impl Metrics {
    /// The registry, with at most `operation_names` distinct GraphQL operation names as labels.
    pub fn new(operation_names: usize) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "rapport_http_requests",
            "HTTP requests answered, by route, method, status and GraphQL operation name",
            requests.clone(),
        );
        let duration = Family::<RouteLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        registry.register(
            "rapport_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route",
            duration.clone(),
        );
        let statements = Family::<RouteLabels, Histogram>::new_with_constructor(
            statements_histogram as fn() -> Histogram,
        );
        registry.register(
            "rapport_http_request_sql_statements",
            "SQL statements run for one request, by route",
            statements.clone(),
        );
        let connections = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "rapport_http_connections_open",
            "TCP connections open to this process's HTTP server (WebSockets included)",
            connections.clone(),
        );
        let sync_jobs = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "rapport_sync_jobs",
            "Contact-sync jobs handled by this process's workers, by provider and outcome",
            sync_jobs.clone(),
        );
        let subscriptions_live = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "rapport_subscriptions_live",
            "GraphQL subscriptions of this process that are listening",
            subscriptions_live.clone(),
        );
        let subscription_connections = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "rapport_subscription_connections",
            "Authenticated WebSocket connections of this process",
            subscription_connections.clone(),
        );
        let queue_readable = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "rapport_sync_queue_readable",
            "1 when the queue and lag gauges could be read from the database",
            queue_readable.clone(),
        );
        let queue_jobs = Family::<QueueLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "rapport_sync_queue_jobs",
            "Contact-sync jobs in the queue, by provider and state",
            queue_jobs.clone(),
        );
        let provider_paused = Family::<ProviderLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "rapport_sync_provider_paused",
            "1 when the provider is paused after refusing our credentials",
            provider_paused.clone(),
        );
        let rate_limit_keys = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "rapport_rate_limit_tracked_keys",
            "Subjects, addresses and routes with a rate-limit bucket in memory",
            rate_limit_keys.clone(),
        );
        let pool_connections = Family::<PoolLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "rapport_db_pool_connections",
            "Database connections of this process's pools, by pool and state (in_use, idle)",
            pool_connections.clone(),
        );
        let pool_max = Family::<PoolNameLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "rapport_db_pool_max_connections",
            "The most connections each pool opens",
            pool_max.clone(),
        );
        let pool_waiting = Family::<PoolNameLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "rapport_db_pool_acquires_waiting",
            "Acquires waiting now for a connection because every connection of the pool is in use",
            pool_waiting.clone(),
        );
        let pool_waits = PoolWaits::registered(&mut registry);
        let relay_lag = FloatGauge::default();
        registry.register(
            "rapport_relay_lag_seconds",
            "Age of the oldest outbox event not yet published (0 when none waits)",
            relay_lag.clone(),
        );
        let worker_lag = FloatGauge::default();
        registry.register(
            "rapport_sync_worker_lag_seconds",
            "Age of the oldest contact-sync job that is due and unclaimed (0 when none waits)",
            worker_lag.clone(),
        );
        let resident_memory = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory of this process (Linux /proc; 0 where unknown)",
            resident_memory.clone(),
        );
        Self {
            registry,
            operations: OperationNames::new(operation_names),
            requests,
            duration,
            statements,
            connections,
            sync_jobs,
            subscriptions_live,
            subscription_connections,
            queue_readable,
            queue_jobs,
            provider_paused,
            rate_limit_keys,
            pool_connections,
            pool_max,
            pool_waiting,
            pool_waits,
            relay_lag,
            worker_lag,
            resident_memory,
        }
    }
}
