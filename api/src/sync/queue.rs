//! The sync queue over the database: claims, outcomes and pauses as store calls.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use rapport_integrations::{
    ClaimedJob, Delivery, JobId, JobKind, Lease, LeaseToken, QueueError, Registry, SyncError,
    SyncJob, SyncQueue, async_trait,
};

use crate::store::{Store, SyncDelivered, SyncJobRow};

fn unavailable(e: impl std::fmt::Display) -> QueueError {
    QueueError::Unavailable(e.to_string())
}

/// The sync queue over the database.
#[derive(Debug, Clone)]
pub struct StoreQueue {
    store: Store,
    registry: Arc<Registry>,
}

impl StoreQueue {
    /// A queue over `store`; `registry` gives each provider's email key for erasures.
    pub fn new(store: Store, registry: Arc<Registry>) -> Self {
        Self { store, registry }
    }
}

fn to_claimed(row: SyncJobRow) -> Option<ClaimedJob> {
    Some(ClaimedJob {
        job: SyncJob {
            id: JobId::new(row.id),
            provider: row.provider,
            contact_id: ContactId::new(row.contact_id),
            kind: if row.kind == "ERASE" {
                JobKind::Erase
            } else {
                JobKind::Upsert
            },
            attempts: u32::try_from(row.attempts).unwrap_or(0),
        },
        lease: Lease {
            worker_id: row.lease_worker?,
            token: LeaseToken::new(row.lease_token?),
            expires_at: row.lease_until?,
        },
    })
}

#[async_trait]
impl SyncQueue for StoreQueue {
    async fn claim(
        &self,
        worker_id: &str,
        provider: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClaimedJob>, QueueError> {
        let token = uuid::Uuid::new_v4().to_string();
        let until = now
            + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::minutes(5));
        let rows = self
            .store
            .claim_sync_jobs(worker_id, provider, limit as u64, &token, until, now)
            .await
            .map_err(unavailable)?;
        Ok(rows.into_iter().filter_map(to_claimed).collect())
    }

    async fn complete(
        &self,
        job: &ClaimedJob,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let delivered = match delivery {
            Delivery::Upserted { sent, outcome } => {
                let key = sent.email.as_ref().and_then(|email| {
                    self.registry
                        .get(&job.job.provider)
                        .and_then(|p| p.provider().email_key(email))
                });
                SyncDelivered::Upserted {
                    external_id: outcome.external_id.clone(),
                    email_key: key,
                    sent_email: sent.email.as_ref().map(|e| e.as_str().to_owned()),
                    sent_consent: Some(sent.consent.as_str().to_owned()),
                }
            }
            Delivery::Erased => SyncDelivered::Erased,
            Delivery::Skipped => SyncDelivered::Skipped,
        };
        let held = self
            .store
            .complete_sync_job(job.job.id.get(), job.lease.token.as_str(), &delivered, now)
            .await
            .map_err(unavailable)?;
        if held {
            Ok(())
        } else {
            Err(QueueError::LeaseLost { job: job.job.id })
        }
    }

    async fn retry_later(
        &self,
        job: &ClaimedJob,
        error: &SyncError,
        at: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let held = self
            .store
            .retry_sync_job(
                job.job.id.get(),
                job.lease.token.as_str(),
                error.reason(),
                at,
            )
            .await
            .map_err(unavailable)?;
        if held {
            Ok(())
        } else {
            Err(QueueError::LeaseLost { job: job.job.id })
        }
    }

    async fn dead_letter(
        &self,
        job: &ClaimedJob,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let held = self
            .store
            .dead_letter_sync_job(job.job.id.get(), job.lease.token.as_str(), reason, now)
            .await
            .map_err(unavailable)?;
        if held {
            Ok(())
        } else {
            Err(QueueError::LeaseLost { job: job.job.id })
        }
    }

    async fn pause_provider(
        &self,
        provider: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        self.store
            .pause_provider(provider, reason, now)
            .await
            .map_err(unavailable)
    }

    async fn is_paused(&self, provider: &str) -> Result<bool, QueueError> {
        self.store
            .is_provider_paused(provider)
            .await
            .map_err(unavailable)
    }
}
