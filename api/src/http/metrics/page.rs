//! `GET /metrics`: the registry in the OpenMetrics text format (which Prometheus reads). Only
//! counts, never personal data. Reading it refreshes the gauges that describe shared state:
//! three small reads of the queue and the outbox, and the pools' numbers from memory.

use actix_web::{HttpResponse, web};
use chrono::Utc;

use super::families::{
    Metrics, OutcomeLabels, PoolLabels, PoolNameLabels, ProviderLabels, QueueLabels,
};
use crate::http::AppState;

const STATES: [(&str, &str); 3] = [
    ("PENDING", "pending"),
    ("LEASED", "in_flight"),
    ("DEAD", "failed"),
];

/// The metrics page. Counters are this process's; the queue and lag gauges read the shared
/// database, so any process gives the same ones. When the database does not answer, those
/// gauges are left out and `rapport_sync_queue_readable` is 0.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let m = &state.metrics;
    for (provider, outcome, count) in state.counters.snapshot() {
        m.sync_jobs
            .get_or_create(&OutcomeLabels {
                provider: provider.to_string(),
                outcome: outcome.as_str(),
            })
            .inner()
            .store(count, std::sync::atomic::Ordering::Relaxed);
    }
    m.subscriptions_live
        .set(i64::try_from(state.subscriptions.broker.live()).unwrap_or(i64::MAX));
    m.subscription_connections
        .set(i64::try_from(state.subscriptions.open_connections()).unwrap_or(i64::MAX));
    m.rate_limit_keys
        .set(i64::try_from(state.edge.limits.tracked()).unwrap_or(i64::MAX));
    for pool in state.store.pool_stats() {
        for (label, n) in [("in_use", pool.in_use()), ("idle", pool.idle)] {
            m.pool_connections
                .get_or_create(&PoolLabels {
                    pool: pool.pool,
                    state: label,
                })
                .set(i64::from(n));
        }
        m.pool_max
            .get_or_create(&PoolNameLabels { pool: pool.pool })
            .set(i64::from(pool.max));
        m.pool_waiting
            .get_or_create(&PoolNameLabels { pool: pool.pool })
            .set(i64::from(pool.waiting));
        m.pool_waits.touch(pool.pool);
    }
    m.resident_memory
        .set(super::process::resident_bytes().unwrap_or(0));
    refresh_shared(&state, m).await;
    let mut out = String::new();
    if let Err(err) = prometheus_client::encoding::text::encode(&mut out, &m.registry) {
        tracing::error!(error = %err, "metrics: the page could not be written");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(out)
}

/// The gauges read from the database.
async fn refresh_shared(state: &AppState, m: &Metrics) {
    let now = Utc::now();
    let queue = state.store.sync_job_counts().await;
    let pauses = state.store.provider_pauses().await;
    let backlog = state.store.backlog(now).await;
    let (Ok(counts), Ok(pauses), Ok(backlog)) = (queue, pauses, backlog) else {
        tracing::warn!("metrics: the sync queue or the outbox could not be read");
        m.queue_readable.set(0);
        m.queue_jobs.clear();
        m.provider_paused.clear();
        return;
    };
    m.queue_readable.set(1);
    for provider in state.providers.iter() {
        for (stored, label) in STATES {
            let n: i64 = counts
                .iter()
                .filter(|(p, s, _)| p == provider && s == stored)
                .map(|(_, _, n)| *n)
                .sum();
            m.queue_jobs
                .get_or_create(&QueueLabels {
                    provider: provider.clone(),
                    state: label,
                })
                .set(n);
        }
        let paused = pauses.iter().any(|p| &p.provider == provider);
        m.provider_paused
            .get_or_create(&ProviderLabels {
                provider: provider.clone(),
            })
            .set(i64::from(paused));
    }
    let age = |at: Option<chrono::DateTime<Utc>>| {
        at.map_or(0.0, |at| {
            (now - at).num_milliseconds().max(0) as f64 / 1000.0
        })
    };
    m.relay_lag.set(age(backlog.oldest_unpublished_event));
    m.worker_lag.set(age(backlog.oldest_due_sync_job));
}
