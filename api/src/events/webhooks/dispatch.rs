//! The webhook dispatcher: claims due deliveries under a lease, sends them (up to
//! `events.webhooks.concurrency` at once), logs every attempt, and schedules retries, gives
//! up, or disables an endpoint that has been failing too long. The outcomes of one step are
//! recorded in one transaction.
//!
//! Deliveries of one aggregate reach one endpoint in `seq` order: a delivery is claimed only
//! when no earlier pending delivery of the same (endpoint, aggregate) exists, so a failing
//! first event holds back the second until it succeeds or is given up. Any number of
//! dispatchers may run against one database: the claim is one `UPDATE … RETURNING` (with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), and an outcome is recorded only while the
//! dispatcher still holds the lease. A dispatcher killed mid-send leaves its lease to run out;
//! the delivery is then sent again with the same `webhook-id` (at least once).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use serde_json::json;

use super::schedule;
use super::send::{AttemptOutcome, Outbound, Sender};
use crate::config::EventSettings;
use crate::error::ApiError;
use crate::events::timing::{Phase, Timings};
use crate::store::{
    NewAttempt, OutboxRecord, Store, Tx, WebhookDeliveryRow, WebhookEndpointRow, delivery_state,
};

/// The event type the dispatcher writes when it disables an endpoint.
pub const ENDPOINT_DISABLED: &str = "webhook.endpoint_disabled";

/// What one dispatch step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Deliveries claimed and attempted.
    pub attempted: usize,
    /// Acknowledged by their endpoint.
    pub succeeded: usize,
    /// Failed and scheduled again.
    pub retried: usize,
    /// Failed for the last time (given up).
    pub failed: usize,
    /// Endpoints disabled by this step.
    pub disabled: usize,
    /// Outcomes not recorded because the lease was lost (another dispatcher took over).
    pub lost: usize,
}

impl DispatchReport {
    /// Whether nothing was due.
    pub fn is_idle(&self) -> bool {
        self.attempted == 0
    }
}

/// Sends due webhook deliveries.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    store: Store,
    sender: Sender,
    worker: String,
    concurrency: usize,
    lease: Duration,
    disable_after: chrono::Duration,
    timings: Arc<Timings>,
}

impl Dispatcher {
    /// A dispatcher named `worker` (logs and leases) over `store`.
    pub fn new(
        store: Store,
        sender: Sender,
        settings: &EventSettings,
        worker: impl Into<String>,
    ) -> Self {
        let webhooks = &settings.webhooks;
        Self {
            store,
            sender,
            worker: worker.into(),
            concurrency: webhooks.concurrency.max(1),
            // Long enough for every attempt of a claim to time out, with room to record it.
            lease: Duration::from_secs(
                webhooks
                    .lease_secs
                    .max(webhooks.timeout_secs.saturating_add(5)),
            ),
            disable_after: chrono::Duration::hours(i64::from(webhooks.disable_after_hours)),
            timings: Arc::default(),
        }
    }

    /// The dispatcher recording its phases' times in `timings`.
    #[must_use]
    pub fn with_timings(mut self, timings: Arc<Timings>) -> Self {
        self.timings = timings;
        self
    }

    /// Claims the deliveries due at `now` (up to four times the concurrency), attempts each
    /// once with at most `concurrency` requests in flight, and records every outcome in one
    /// transaction.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<DispatchReport, ApiError> {
        let started = Instant::now();
        let report = self.dispatch(now).await;
        let run = self.timings.since(Phase::DispatchRun, started);
        if let Ok(report) = &report
            && !report.is_idle()
        {
            tracing::debug!(
                attempted = report.attempted,
                run_us = run.as_micros(),
                "webhook dispatch step"
            );
        }
        report
    }

    async fn dispatch(&self, now: DateTime<Utc>) -> Result<DispatchReport, ApiError> {
        let lease = format!("{}:{}", self.worker, uuid::Uuid::new_v4().simple());
        let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let at = Instant::now();
        let claimed = self
            .store
            .claim_webhook_deliveries(&lease, (self.concurrency * 4) as u64, until, now)
            .await?;
        self.timings.since(Phase::DispatchClaim, at);
        let mut report = DispatchReport {
            attempted: claimed.len(),
            ..DispatchReport::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        let at = Instant::now();
        let mut ids: Vec<i64> = claimed.iter().map(|d| d.endpoint_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let endpoints = Arc::new(self.store.webhook_endpoints_by_ids(&ids).await?);
        let sends = claimed.into_iter().filter_map(|delivery| {
            let endpoint = endpoints.get(&delivery.endpoint_id)?.clone();
            Some(async move {
                let outcome = self.attempt(&endpoint, &delivery, now).await;
                (delivery, outcome)
            })
        });
        let mut results: Vec<(WebhookDeliveryRow, AttemptOutcome)> =
            futures_util::stream::iter(sends)
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        results.sort_by_key(|(d, _)| d.id);
        self.timings.since(Phase::DispatchSend, at);
        let at = Instant::now();
        let tx = self.store.begin().await?;
        // Each endpoint is read (and locked) once; its failure state is kept here as the
        // outcomes are recorded and written once at the end.
        let mut states = HashMap::new();
        for id in &ids {
            if let Some(endpoint) = tx.lock_webhook_endpoint(*id).await? {
                states.insert(*id, (endpoint.failing_since, endpoint));
            }
        }
        let mut attempts = Vec::with_capacity(results.len());
        let log = |delivery: &WebhookDeliveryRow, outcome: &AttemptOutcome| NewAttempt {
            delivery_id: delivery.id,
            endpoint_id: delivery.endpoint_id,
            attempt: delivery.attempts + 1,
            at: now,
            status: outcome.status,
            latency_ms: outcome.latency_ms,
            error: outcome.error.clone(),
            response_excerpt: outcome.response_excerpt.clone(),
            // `redeliverWebhook` marked this attempt as asked for by the endpoint's owner.
            manual: delivery.manual_requested,
        };
        // Successes first, settled together (one statement per status code seen).
        let (succeeded, failed): (Vec<_>, Vec<_>) =
            results.iter().partition(|(_, outcome)| outcome.succeeded());
        let mut by_status: HashMap<Option<u16>, Vec<i64>> = HashMap::new();
        for (delivery, outcome) in &succeeded {
            by_status
                .entry(outcome.status)
                .or_default()
                .push(delivery.id);
        }
        let mut held = HashSet::new();
        for (status, ids) in by_status {
            held.extend(tx.settle_succeeded(&ids, &lease, status, now).await?);
        }
        for (delivery, outcome) in succeeded {
            if !held.contains(&delivery.id) {
                report.lost += 1;
                continue;
            }
            report.succeeded += 1;
            if let Some((failing_since, _)) = states.get_mut(&delivery.endpoint_id) {
                *failing_since = None;
            }
            attempts.push(log(delivery, outcome));
        }
        for (delivery, outcome) in failed {
            let Some((failing_since, endpoint)) = states.get_mut(&delivery.endpoint_id) else {
                report.lost += 1;
                continue;
            };
            match self
                .record_failure(&tx, endpoint, failing_since, delivery, &lease, outcome, now)
                .await?
            {
                Recorded::Lost => {
                    report.lost += 1;
                    continue;
                }
                Recorded::Retry { disabled } => {
                    report.retried += 1;
                    report.disabled += usize::from(disabled);
                }
                Recorded::GaveUp { disabled } => {
                    report.failed += 1;
                    report.disabled += usize::from(disabled);
                }
            }
            attempts.push(log(delivery, outcome));
        }
        for (since, endpoint) in states.values() {
            if *since != endpoint.failing_since {
                tx.set_endpoint_failing_since(endpoint.id, *since).await?;
            }
        }
        for attempt in attempts.iter().filter(|a| a.manual) {
            tx.take_manual_request(attempt.delivery_id).await?;
        }
        tx.log_webhook_attempts(attempts).await?;
        tx.commit().await?;
        self.timings.since(Phase::DispatchRecord, at);
        Ok(report)
    }

    /// Sends one delivery with the endpoint's current secrets (and the previous one while a
    /// rotation overlaps).
    async fn attempt(
        &self,
        endpoint: &WebhookEndpointRow,
        delivery: &WebhookDeliveryRow,
        now: DateTime<Utc>,
    ) -> AttemptOutcome {
        let secrets = crate::store::signing_secrets(endpoint, now);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        self.sender
            .send(Outbound {
                url: &endpoint.url,
                secrets: &secrets,
                event_id: &delivery.event_id,
                // The receiver checks this against its own clock: always the real time.
                timestamp: Utc::now(),
                body: &delivery.body,
            })
            .await
    }

    /// Records a failed attempt on the delivery in `tx`, if the lease still holds, and on
    /// `failing_since` (the endpoint's failure state, written by the caller); disables the
    /// endpoint when it has been failing too long.
    #[allow(clippy::too_many_arguments)]
    async fn record_failure(
        &self,
        tx: &Tx,
        endpoint: &mut WebhookEndpointRow,
        failing_since: &mut Option<DateTime<Utc>>,
        current: &WebhookDeliveryRow,
        lease: &str,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<Recorded, ApiError> {
        let attempt = current.attempts + 1;
        let error = outcome
            .error
            .clone()
            .or_else(|| outcome.status.map(|s| format!("HTTP {s}")));
        let age = (now - current.created_at).to_std().unwrap_or_default();
        let failed = u32::try_from(attempt).unwrap_or(u32::MAX);
        let next = schedule::next_delay(failed, age, schedule::random_unit());
        let (state, next_at) = match next {
            Some(delay) => (
                delivery_state::PENDING,
                now + chrono::Duration::from_std(delay).unwrap_or_default(),
            ),
            None => (delivery_state::FAILED, current.next_attempt_at),
        };
        let held = tx
            .settle_delivery(
                current.id,
                lease,
                attempt,
                state,
                next_at,
                outcome.status,
                error.as_deref(),
                None,
            )
            .await?;
        if !held {
            return Ok(Recorded::Lost);
        }
        let since = *failing_since.get_or_insert(now);
        // Disabled once it has been failing for `disable_after_hours`, or when a delivery is
        // given up after failing for nearly that long (the retry schedule's last step is at
        // most its largest delay short of three days).
        let failing_for = now - since;
        let nearly =
            self.disable_after - chrono::Duration::from_std(schedule::CAP).unwrap_or_default();
        let disabled = endpoint.enabled
            && (failing_for >= self.disable_after || (next.is_none() && failing_for >= nearly));
        if disabled {
            let hours = self.disable_after.num_hours();
            let reason = format!(
                "failing since {} (over {hours} hours); last error: {}",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                error.as_deref().unwrap_or("unknown")
            );
            tx.disable_webhook_endpoint(endpoint.id, &reason, now)
                .await?;
            endpoint.enabled = false;
            tx.outbox(OutboxRecord {
                event_type: ENDPOINT_DISABLED,
                entity_type: "WebhookEndpoint",
                entity_id: endpoint.id.to_string(),
                payload: json!({
                    "reason": reason,
                    "failingSince": since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "url": endpoint.url,
                }),
                at: now,
                event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
                version: 1,
                actor_kind: "system",
                actor_id: None,
                actor_subject: "webhook-dispatcher".to_owned(),
                account_id: endpoint.account_id,
            })
            .await?;
            tracing::warn!(endpoint = endpoint.id, %reason, "webhook endpoint disabled");
        }
        Ok(if next.is_some() {
            Recorded::Retry { disabled }
        } else {
            Recorded::GaveUp { disabled }
        })
    }
}

/// What recording a failed attempt did.
enum Recorded {
    Lost,
    Retry { disabled: bool },
    GaveUp { disabled: bool },
}
