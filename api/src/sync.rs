//! Contact sync wiring: the store-backed [`SyncQueue`], the [`ContactSource`] that reads a
//! contact's current state at send time, and the worker loop that runs beside the server.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use rapport_domain::values::EmailAddress;
use rapport_integrations::{
    ClaimedJob, ContactSource, ContactState, Counters, Delivery, ErasedContact, JobId, JobKind,
    Lease, LeaseToken, QueueError, Registry, SourceError, SyncContact, SyncError, SyncJob,
    SyncQueue, Worker, WorkerConfig, async_trait,
};

use crate::config::SyncSettings;
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

/// Reads a contact's current state when its job runs.
#[derive(Debug, Clone)]
pub struct StoreSource {
    store: Store,
}

impl StoreSource {
    /// A source over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[async_trait]
impl ContactSource for StoreSource {
    async fn load(
        &self,
        provider: &str,
        contact_id: ContactId,
    ) -> Result<Option<ContactState>, SourceError> {
        let fail = |e: crate::store::StoreError| SourceError(e.to_string());
        let Some(contact) = self
            .store
            .contacts_by_ids(&[contact_id])
            .await
            .map_err(fail)?
            .pop()
        else {
            return Ok(None);
        };
        let state = self
            .store
            .sync_state(provider, contact_id)
            .await
            .map_err(fail)?;
        let external_id = state.as_ref().and_then(|s| s.external_id.clone());
        let Some(details) = contact.parts().details.clone() else {
            return Ok(Some(ContactState::Erased(ErasedContact {
                contact_id,
                last_known_email_key: state.as_ref().and_then(|s| s.email_key.clone()),
                external_id,
            })));
        };
        let Some(account) = self
            .store
            .accounts_by_ids(&[contact.parts().account])
            .await
            .map_err(fail)?
            .pop()
        else {
            return Ok(None);
        };
        let previous_email = state
            .as_ref()
            .and_then(|s| s.sent_email.as_deref())
            .filter(|sent| {
                details
                    .email
                    .as_ref()
                    .is_none_or(|now| !now.as_str().eq_ignore_ascii_case(sent))
            })
            .and_then(|sent| EmailAddress::parse(sent).ok());
        Ok(Some(ContactState::Live(SyncContact {
            contact_id,
            email: details.email,
            first_name: details.first_name,
            last_name: details.last_name,
            company: Some(account.parts().name.as_str().to_owned()),
            phones: details.phones,
            consent: details.email_consent,
            relationship: account.relationship(),
            tags: details.tags,
            previous_email,
            external_id,
        })))
    }
}

/// What it takes to build workers over the store: the providers, the `sync` settings and the
/// process's job counters (shared by every worker of the process and shown on `/metrics`).
#[derive(Debug, Clone)]
pub struct SyncHandle {
    store: Store,
    registry: Arc<Registry>,
    config: WorkerConfig,
    counters: Arc<Counters>,
}

impl SyncHandle {
    /// A handle over `store` for these providers.
    ///
    /// # Errors
    /// `sync` settings a worker cannot run with, named.
    pub fn new(
        store: Store,
        registry: Arc<Registry>,
        settings: &SyncSettings,
    ) -> anyhow::Result<Self> {
        let config = settings
            .worker_config("worker".to_owned())
            .map_err(|e| anyhow::anyhow!("invalid [sync] settings: {e}"))?;
        let counters = Arc::new(Counters::new(registry.names()));
        Ok(Self {
            store,
            registry,
            config,
            counters,
        })
    }

    /// The registered providers.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The process's job counters per provider and outcome.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// A worker named `worker_id` (unique per running worker; it names the worker's leases).
    pub fn worker(&self, worker_id: impl Into<String>) -> Worker {
        let queue = Arc::new(StoreQueue::new(self.store.clone(), self.registry.clone()));
        let source = Arc::new(StoreSource::new(self.store.clone()));
        Worker::new(
            WorkerConfig {
                worker_id: worker_id.into(),
                ..self.config.clone()
            },
            self.registry.clone(),
            queue,
            source,
        )
        .with_counters(self.counters.clone())
    }
}
