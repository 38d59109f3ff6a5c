//! Contact sync wiring: the store-backed [`SyncQueue`], the [`ContactSource`] that reads a
//! contact's current state at send time, and the worker loop that runs beside the server.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use rapport_domain::values::EmailAddress;
use rapport_integrations::{
    BulkReport, ClaimedJob, ContactSource, ContactState, Counters, Delivery, ErasedContact, JobId,
    JobKind, Lease, LeaseToken, QueueError, RegisteredProvider, Registry, SourceError, SyncContact,
    SyncError, SyncJob, SyncQueue, Worker, WorkerConfig, async_trait,
};

use crate::auth::ReadScope;
use crate::config::SyncSettings;
use crate::store::{
    BulkSynced, ResyncPage, ResyncRow, Store, SyncDelivered, SyncJobRow, SyncStateRow,
};
use rapport_domain::account::Account;
use rapport_domain::contact::{Contact, EmailConsent};

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
            .contacts_by_ids(ReadScope::system(), &[contact_id])
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
        let account = if contact.is_erased() {
            None
        } else {
            self.store
                .accounts_by_ids(ReadScope::system(), &[contact.parts().account])
                .await
                .map_err(fail)?
                .pop()
        };
        Ok(current_state(contact, account.as_ref(), state.as_ref()))
    }
}

/// A contact's state as `provider` should receive it: erased, or live with its account's name
/// and relationship and what the provider last received (`None` when its account is missing).
fn current_state(
    contact: Contact,
    account: Option<&Account>,
    state: Option<&SyncStateRow>,
) -> Option<ContactState> {
    let contact_id = contact.id();
    let external_id = state.and_then(|s| s.external_id.clone());
    let Some(details) = contact.parts().details.clone() else {
        return Some(ContactState::Erased(ErasedContact {
            contact_id,
            last_known_email_key: state.and_then(|s| s.email_key.clone()),
            external_id,
        }));
    };
    let account = account?;
    let previous_email = state
        .and_then(|s| s.sent_email.as_deref())
        .filter(|sent| {
            details
                .email
                .as_ref()
                .is_none_or(|now| !now.as_str().eq_ignore_ascii_case(sent))
        })
        .and_then(|sent| EmailAddress::parse(sent).ok());
    let previous_consent = state
        .and_then(|s| s.sent_consent.as_deref())
        .and_then(|sent| EmailConsent::parse(sent).ok())
        .filter(|sent| *sent != details.email_consent);
    Some(ContactState::Live(SyncContact {
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
        previous_consent,
    }))
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

/// What one backfill step did, over every provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResyncStep {
    /// Pages handled.
    pub pages: usize,
    /// Contacts synced in bulk.
    pub synced: usize,
    /// Contacts queued for the per-contact upsert.
    pub queued: usize,
    /// Runs that reached their last contact.
    pub finished: usize,
    /// Bulk calls made.
    pub bulk_calls: usize,
    /// Contacts sent in bulk again because their call failed retryably.
    pub bulk_retries: usize,
    /// Pages that failed, one line each (the run is taken up again later).
    pub errors: Vec<String>,
}

impl ResyncStep {
    /// Whether the step moved no backfill forward (failed pages wait for their retry time).
    pub fn is_idle(&self) -> bool {
        self.pages == 0 && self.finished == 0
    }
}

/// How long a backfill that failed for a reason other than credentials waits before its next
/// page.
const RESYNC_RETRY: chrono::Duration = chrono::Duration::seconds(60);

/// Sends of one backfill page's contacts through a bulk API before the rest are queued one by
/// one, and the pause before each repeat (times the attempt).
const BULK_SENDS: u32 = 3;
const BULK_PAUSE: Duration = Duration::from_millis(500);

/// The longest one backfill step holds a run before letting the worker's job queue have a turn.
const RESYNC_STEP_BUDGET: Duration = Duration::from_secs(30);

/// Contacts per backfill page for providers without a bulk API (each becomes a queued job).
const QUEUE_PAGE: usize = 500;

impl SyncHandle {
    /// Handles the next page of every running backfill (`resyncAll`) whose provider is not
    /// paused: a provider with a bulk API receives the page through it (Mailchimp: batch
    /// subscribe, 500 members per call, calls in parallel under its connection cap); contacts it
    /// does not sync, and every contact of providers without one, are queued for the
    /// per-contact upsert. Progress is saved with each page.
    pub async fn resync_step(&self, now: DateTime<Utc>) -> ResyncStep {
        let mut step = ResyncStep::default();
        for provider in self.registry.iter() {
            let name = provider.name();
            match self.store.is_provider_paused(name).await {
                Ok(false) => {}
                Ok(true) => continue,
                Err(err) => {
                    step.errors.push(format!("{name}: {err}"));
                    continue;
                }
            }
            let token = uuid::Uuid::new_v4().to_string();
            let until = now
                + chrono::Duration::from_std(self.config.lease)
                    .unwrap_or_else(|_| chrono::Duration::minutes(5));
            let run = match self.store.claim_resync(name, &token, until, now).await {
                Ok(Some(run)) => run,
                Ok(None) => continue,
                Err(err) => {
                    step.errors.push(format!("{name}: {err}"));
                    continue;
                }
            };
            if let Err(err) = self
                .resync_run(provider, &run, &token, now, &mut step)
                .await
            {
                tracing::warn!(provider = name, resync = run.id, error = %err, "backfill page failed");
                step.errors.push(format!("{name}: {err}"));
            }
        }
        step
    }

    /// Moves a held run forward for up to one step's budget. Without a bulk API: one page of
    /// queued jobs. With one: pages of one bulk call each, several in flight (twice the
    /// provider's connection cap, so a page waiting to repeat a failed call never leaves a
    /// connection idle; the provider's own limit keeps the cap), while the next pages are read.
    /// Pages are recorded in order as they complete, so the cursor only ever passes contacts
    /// that were handled; pages sent past a failure are sent again later (bulk upserts are safe
    /// to repeat).
    async fn resync_run(
        &self,
        provider: &RegisteredProvider,
        run: &ResyncRow,
        token: &str,
        now: DateTime<Utc>,
        step: &mut ResyncStep,
    ) -> anyhow::Result<()> {
        let sync = provider.provider();
        let bulk = sync.bulk_page_size();
        if bulk == 0 {
            return self.queue_page(provider, run, token, now, step).await;
        }
        let in_flight = provider.limits().max_in_flight.map_or(4, |n| n.get() * 2);
        let budget =
            RESYNC_STEP_BUDGET.min(self.config.lease.saturating_sub(self.config.call_timeout));
        let deadline = tokio::time::Instant::now() + budget;
        let mut after = run.after_contact_id;
        let mut exhausted = false;
        let mut failure: Option<SyncError> = None;
        let mut tasks = tokio::task::JoinSet::new();
        let (mut sent, mut recorded) = (0_u64, 0_u64);
        let mut done: std::collections::BTreeMap<u64, ResyncPage> = Default::default();
        loop {
            while failure.is_none()
                && !exhausted
                && tasks.len() < in_flight
                && tokio::time::Instant::now() < deadline
            {
                let ids = self
                    .store
                    .live_contact_ids_after(after, bulk as u64)
                    .await?;
                let Some(last) = ids.last().map(|id| id.get()) else {
                    exhausted = true;
                    break;
                };
                after = last;
                let contacts = self.live_contacts(provider.name(), &ids).await?;
                let (handle, registered, seq) = (self.clone(), provider.clone(), sent);
                sent += 1;
                tasks.spawn(async move {
                    let result = handle.send_bulk(&registered, &contacts).await;
                    (seq, last, contacts, result)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (seq, last, contacts, result) = joined?;
            match result {
                Ok((report, repeated)) => {
                    step.bulk_retries += repeated;
                    step.bulk_calls += report.calls;
                    done.insert(seq, page_of(sync.as_ref(), last, &contacts, report));
                }
                Err(err) => {
                    failure.get_or_insert(err);
                }
            }
            while let Some(page) = done.remove(&recorded) {
                if !self
                    .store
                    .advance_resync(run.id, token, &page, now, true)
                    .await?
                {
                    tasks.abort_all();
                    anyhow::bail!(
                        "lost the backfill's lease to another worker; its pages will be repeated"
                    );
                }
                recorded += 1;
                step.pages += 1;
                step.synced += page.synced.len();
                step.queued += page.queued.len();
            }
        }
        if let Some(err) = failure {
            let retry_at = if let SyncError::Unauthorized { reason } = &err {
                self.store
                    .pause_provider(provider.name(), reason, now)
                    .await?;
                now
            } else {
                now + RESYNC_RETRY
            };
            self.store
                .release_resync(run.id, token, Some(err.reason()), retry_at, now)
                .await?;
            anyhow::bail!("{}", err.reason());
        }
        if exhausted && recorded == sent {
            self.finish_run(provider, run, token, now, step).await?;
        } else {
            self.store
                .release_resync(run.id, token, None, now, now)
                .await?;
        }
        Ok(())
    }

    /// Marks a held run finished once its last contact was handled.
    async fn finish_run(
        &self,
        provider: &RegisteredProvider,
        run: &ResyncRow,
        token: &str,
        now: DateTime<Utc>,
        step: &mut ResyncStep,
    ) -> anyhow::Result<()> {
        if self.store.finish_resync(run.id, token, now).await? {
            step.finished += 1;
            tracing::info!(
                provider = provider.name(),
                resync = run.id,
                "backfill finished"
            );
        }
        Ok(())
    }

    /// One page of a provider without a bulk API: its contacts become queued jobs.
    async fn queue_page(
        &self,
        provider: &RegisteredProvider,
        run: &ResyncRow,
        token: &str,
        now: DateTime<Utc>,
        step: &mut ResyncStep,
    ) -> anyhow::Result<()> {
        let ids = self
            .store
            .live_contact_ids_after(run.after_contact_id, QUEUE_PAGE as u64)
            .await?;
        let Some(last) = ids.last() else {
            return self.finish_run(provider, run, token, now, step).await;
        };
        let page = ResyncPage {
            last_contact: last.get(),
            synced: vec![],
            queued: ids,
        };
        if !self
            .store
            .advance_resync(run.id, token, &page, now, false)
            .await?
        {
            anyhow::bail!("lost the backfill's lease to another worker; the page will be repeated");
        }
        step.pages += 1;
        step.queued += page.queued.len();
        Ok(())
    }

    /// Sends a page through the provider's bulk API, repeating (after a pause) the contacts whose
    /// call failed retryably, up to three sends; those still failing come back in
    /// [`BulkReport::retry`]; also says how many contacts were sent again. Fails only when the provider refuses our credentials or every send
    /// failed as a whole.
    async fn send_bulk(
        &self,
        provider: &RegisteredProvider,
        contacts: &[SyncContact],
    ) -> Result<(BulkReport, usize), SyncError> {
        let mut total = BulkReport::default();
        let mut repeated = 0;
        let mut pending: Vec<SyncContact> = contacts.to_vec();
        for attempt in 1..=BULK_SENDS {
            let call = tokio::time::timeout(
                self.config.call_timeout,
                provider.provider().upsert_many(&pending),
            );
            let report = match call.await {
                Err(_) => Err(SyncError::retryable("the bulk call timed out")),
                Ok(None) => Ok(BulkReport {
                    per_contact: pending
                        .iter()
                        .map(|c| (c.contact_id, "no bulk API".to_owned()))
                        .collect(),
                    ..BulkReport::default()
                }),
                Ok(Some(result)) => result,
            };
            let report = match report {
                Ok(report) => report,
                Err(err @ SyncError::Unauthorized { .. }) => return Err(err),
                Err(err) if attempt == BULK_SENDS => return Err(err),
                Err(_) => BulkReport {
                    retry: pending.iter().map(|c| c.contact_id).collect(),
                    ..BulkReport::default()
                },
            };
            total.calls += report.calls;
            total.synced.extend(report.synced);
            total.per_contact.extend(report.per_contact);
            if report.retry.is_empty() || attempt == BULK_SENDS {
                total.retry = report.retry;
                break;
            }
            let again: std::collections::HashSet<ContactId> = report.retry.into_iter().collect();
            pending.retain(|c| again.contains(&c.contact_id));
            repeated += pending.len();
            tokio::time::sleep(BULK_PAUSE * attempt).await;
        }
        Ok((total, repeated))
    }

    /// The live contacts among `ids` as `provider` should receive them, in three reads.
    async fn live_contacts(
        &self,
        provider: &str,
        ids: &[ContactId],
    ) -> Result<Vec<SyncContact>, crate::store::StoreError> {
        let contacts = self.store.contacts_by_ids(ReadScope::system(), ids).await?;
        let account_ids: Vec<_> = contacts
            .iter()
            .map(|c| c.parts().account)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let accounts: std::collections::HashMap<_, _> = self
            .store
            .accounts_by_ids(ReadScope::system(), &account_ids)
            .await?
            .into_iter()
            .map(|a| (a.id(), a))
            .collect();
        let states: std::collections::HashMap<i64, SyncStateRow> = self
            .store
            .sync_states_for(provider, ids)
            .await?
            .into_iter()
            .map(|s| (s.contact_id, s))
            .collect();
        let mut live: Vec<SyncContact> = contacts
            .into_iter()
            .filter_map(|c| {
                let account = accounts.get(&c.parts().account);
                let state = states.get(&c.id().get());
                match current_state(c, account, state) {
                    Some(ContactState::Live(contact)) => Some(contact),
                    _ => None,
                }
            })
            .collect();
        live.sort_by_key(|c| c.contact_id.get());
        Ok(live)
    }
}

/// What a bulk call did to one page, as the store records it.
fn page_of(
    sync: &dyn rapport_integrations::ContactSync,
    last_contact: i64,
    contacts: &[SyncContact],
    report: BulkReport,
) -> ResyncPage {
    let sent: std::collections::HashMap<ContactId, &SyncContact> =
        contacts.iter().map(|c| (c.contact_id, c)).collect();
    let synced = report
        .synced
        .into_iter()
        .map(|(contact, external_id)| {
            let sent = sent.get(&contact);
            let email = sent.and_then(|c| c.email.as_ref());
            BulkSynced {
                contact,
                external_id,
                email_key: email.and_then(|e| sync.email_key(e)),
                sent_email: email.map(|e| e.as_str().to_owned()),
                sent_consent: sent.map(|c| c.consent.as_str().to_owned()),
            }
        })
        .collect();
    let mut queued: Vec<ContactId> = report.per_contact.into_iter().map(|(c, _)| c).collect();
    queued.extend(report.retry);
    ResyncPage {
        last_contact,
        synced,
        queued,
    }
}
