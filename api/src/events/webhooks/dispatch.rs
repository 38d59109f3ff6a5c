//! The webhook dispatcher: claims due deliveries under a lease, sends them (up to
//! `events.webhooks.concurrency` at once), logs every attempt, and schedules retries, gives
//! up, or disables an endpoint that has been failing too long.
//!
//! Deliveries of one aggregate reach one endpoint in `seq` order: a delivery is claimed only
//! when no earlier pending delivery of the same (endpoint, aggregate) exists, so a failing
//! first event holds back the second until it succeeds or is given up. Any number of
//! dispatchers may run against one database: the claim is one `UPDATE … RETURNING` (with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), and an outcome is recorded only while the
//! dispatcher still holds the lease. A dispatcher killed mid-send leaves its lease to run out;
//! the delivery is then sent again with the same `webhook-id` (at least once).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::schedule;
use super::send::{AttemptOutcome, Outbound, Sender};
use crate::config::EventSettings;
use crate::error::ApiError;
use crate::store::{OutboxRecord, Store, WebhookDeliveryRow, WebhookEndpointRow, delivery_state};

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
        }
    }

    /// Claims the deliveries due at `now` and attempts each once.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<DispatchReport, ApiError> {
        let lease = format!("{}:{}", self.worker, uuid::Uuid::new_v4().simple());
        let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let claimed = self
            .store
            .claim_webhook_deliveries(&lease, self.concurrency as u64, until, now)
            .await?;
        let mut report = DispatchReport {
            attempted: claimed.len(),
            ..DispatchReport::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
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
        let results = futures_util::future::join_all(sends).await;
        for (delivery, outcome) in results {
            match self.record(&delivery, &lease, &outcome, now).await? {
                Recorded::Lost => report.lost += 1,
                Recorded::Succeeded => report.succeeded += 1,
                Recorded::Retry { disabled } => {
                    report.retried += 1;
                    report.disabled += usize::from(disabled);
                }
                Recorded::GaveUp { disabled } => {
                    report.failed += 1;
                    report.disabled += usize::from(disabled);
                }
            }
        }
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
        let mut secrets = vec![endpoint.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&endpoint.previous_secret, endpoint.previous_secret_until)
            && until > now
        {
            secrets.push(previous.as_str());
        }
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

    /// Records an attempt's outcome in one transaction, if the lease still holds.
    async fn record(
        &self,
        delivery: &WebhookDeliveryRow,
        lease: &str,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<Recorded, ApiError> {
        let tx = self.store.begin().await?;
        let Some(endpoint) = tx.lock_webhook_endpoint(delivery.endpoint_id).await? else {
            return Ok(Recorded::Lost);
        };
        let Some(current) = tx.held_delivery(delivery.id, lease).await? else {
            return Ok(Recorded::Lost);
        };
        let attempt = current.attempts + 1;
        tx.log_webhook_attempt(
            &current,
            attempt,
            now,
            outcome.status,
            outcome.latency_ms,
            outcome.error.as_deref(),
            outcome.response_excerpt.as_deref(),
        )
        .await?;
        let error = outcome
            .error
            .clone()
            .or_else(|| outcome.status.map(|s| format!("HTTP {s}")));
        if outcome.succeeded() {
            tx.settle_delivery(
                current.id,
                attempt,
                delivery_state::SUCCEEDED,
                current.next_attempt_at,
                outcome.status,
                None,
                Some(now),
            )
            .await?;
            if endpoint.failing_since.is_some() {
                tx.set_endpoint_failing_since(endpoint.id, None).await?;
            }
            tx.commit().await?;
            return Ok(Recorded::Succeeded);
        }
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
        tx.settle_delivery(
            current.id,
            attempt,
            state,
            next_at,
            outcome.status,
            error.as_deref(),
            None,
        )
        .await?;
        let since = endpoint.failing_since.unwrap_or(now);
        if endpoint.failing_since.is_none() {
            tx.set_endpoint_failing_since(endpoint.id, Some(since))
                .await?;
        }
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
        tx.commit().await?;
        Ok(if next.is_some() {
            Recorded::Retry { disabled }
        } else {
            Recorded::GaveUp { disabled }
        })
    }
}

/// What recording an attempt did.
enum Recorded {
    Lost,
    Succeeded,
    Retry { disabled: bool },
    GaveUp { disabled: bool },
}
