//! `GET /metrics`: Prometheus text exposition of contact-sync counters and queue gauges. Only
//! counts, never personal data.

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};

use super::AppState;

const STATES: [(&str, &str); 3] = [
    ("PENDING", "pending"),
    ("LEASED", "in_flight"),
    ("DEAD", "failed"),
];

/// The metrics page. Counters are this process's; gauges read the shared queue, so any
/// process gives the same gauges. When the database does not answer, the gauges are left out
/// and `rapport_sync_queue_readable` is 0.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut out = String::new();
    out.push_str(
        "# HELP rapport_sync_jobs_total Contact-sync jobs handled by this process's workers, by provider and outcome.\n\
         # TYPE rapport_sync_jobs_total counter\n",
    );
    for (provider, outcome, count) in state.counters.snapshot() {
        let _ = writeln!(
            out,
            "rapport_sync_jobs_total{{provider=\"{provider}\",outcome=\"{}\"}} {count}",
            outcome.as_str()
        );
    }
    out.push_str(
        "# HELP rapport_subscriptions_live GraphQL subscriptions of this process that are listening.\n\
         # TYPE rapport_subscriptions_live gauge\n",
    );
    let _ = writeln!(
        out,
        "rapport_subscriptions_live {}",
        state.subscriptions.broker.live()
    );
    out.push_str(
        "# HELP rapport_subscription_connections Authenticated WebSocket connections of this process.\n\
         # TYPE rapport_subscription_connections gauge\n",
    );
    let _ = writeln!(
        out,
        "rapport_subscription_connections {}",
        state.subscriptions.open_connections()
    );
    let queue = state.store.sync_job_counts().await;
    let pauses = state.store.provider_pauses().await;
    let readable = u8::from(queue.is_ok() && pauses.is_ok());
    out.push_str(
        "# HELP rapport_sync_queue_readable 1 when the queue gauges below could be read.\n\
         # TYPE rapport_sync_queue_readable gauge\n",
    );
    let _ = writeln!(out, "rapport_sync_queue_readable {readable}");
    match (queue, pauses) {
        (Ok(counts), Ok(pauses)) => {
            out.push_str(
                "# HELP rapport_sync_queue_jobs Contact-sync jobs in the queue, by provider and state.\n\
                 # TYPE rapport_sync_queue_jobs gauge\n",
            );
            for provider in state.providers.iter() {
                for (stored, label) in STATES {
                    let n: i64 = counts
                        .iter()
                        .filter(|(p, s, _)| p == provider && s == stored)
                        .map(|(_, _, n)| *n)
                        .sum();
                    let _ = writeln!(
                        out,
                        "rapport_sync_queue_jobs{{provider=\"{provider}\",state=\"{label}\"}} {n}"
                    );
                }
            }
            out.push_str(
                "# HELP rapport_sync_provider_paused 1 when the provider is paused after refusing our credentials.\n\
                 # TYPE rapport_sync_provider_paused gauge\n",
            );
            for provider in state.providers.iter() {
                let paused = u8::from(pauses.iter().any(|p| &p.provider == provider));
                let _ = writeln!(
                    out,
                    "rapport_sync_provider_paused{{provider=\"{provider}\"}} {paused}"
                );
            }
        }
        (queue, pauses) => {
            if let Some(err) = queue.err().or(pauses.err()) {
                tracing::warn!(error = %err, "metrics: the sync queue could not be read");
            }
        }
    }
    out.push_str(
        "# HELP rapport_rate_limit_tracked_keys Subjects, addresses and routes with a rate-limit bucket in memory.\n\
         # TYPE rapport_rate_limit_tracked_keys gauge\n",
    );
    let _ = writeln!(
        out,
        "rapport_rate_limit_tracked_keys {}",
        state.edge.limits.tracked()
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}
