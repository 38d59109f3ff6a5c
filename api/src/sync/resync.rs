//! Backfills (`resyncAll`): pages of contacts sent through a provider's bulk API, or queued
//! as per-contact jobs for providers without one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_integrations::{RegisteredProvider, SyncError};

use super::SyncHandle;
use super::bulk::page_of;
use crate::store::{ResyncPage, ResyncRow};

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
pub(super) const BULK_SENDS: u32 = 3;
pub(super) const BULK_PAUSE: Duration = Duration::from_millis(500);

/// The longest one backfill step holds a run before letting the worker's job queue have a turn.
const RESYNC_STEP_BUDGET: Duration = Duration::from_secs(30);

/// Contacts per backfill page for providers without a bulk API (each becomes a queued job).
const QUEUE_PAGE: usize = 500;

impl SyncHandle {
    /// Handles the next page of every running backfill (`resyncAll`) whose provider is not
    /// paused, one provider after the other (see [`resync_provider_step`](Self::resync_provider_step)).
    pub async fn resync_step(&self, now: DateTime<Utc>) -> ResyncStep {
        let mut step = ResyncStep::default();
        for provider in self.registry.iter() {
            self.resync_one(provider, now, &mut step).await;
        }
        step
    }

    /// Handles the next page of the running backfill of the provider named `provider`, unless it
    /// is paused: a provider with a bulk API receives the page through it (Mailchimp: batch
    /// subscribe, 500 members per call, calls in parallel under its connection cap); contacts it
    /// does not sync, and every contact of providers without one, are queued for the
    /// per-contact upsert. Progress is saved with each page.
    pub async fn resync_provider_step(&self, provider: &str, now: DateTime<Utc>) -> ResyncStep {
        let mut step = ResyncStep::default();
        match self.registry.get(provider) {
            Some(provider) => self.resync_one(provider, now, &mut step).await,
            None => step
                .errors
                .push(format!("{provider}: no such provider is registered")),
        }
        step
    }

    async fn resync_one(
        &self,
        provider: &RegisteredProvider,
        now: DateTime<Utc>,
        step: &mut ResyncStep,
    ) {
        let name = provider.name();
        match self.store.is_provider_paused(name).await {
            Ok(false) => {}
            Ok(true) => return,
            Err(err) => {
                step.errors.push(format!("{name}: {err}"));
                return;
            }
        }
        let token = uuid::Uuid::new_v4().to_string();
        let until = now
            + chrono::Duration::from_std(self.config.lease)
                .unwrap_or_else(|_| chrono::Duration::minutes(5));
        let run = match self.store.claim_resync(name, &token, until, now).await {
            Ok(Some(run)) => run,
            Ok(None) => return,
            Err(err) => {
                step.errors.push(format!("{name}: {err}"));
                return;
            }
        };
        if let Err(err) = self.resync_run(provider, &run, &token, now, step).await {
            tracing::warn!(provider = name, resync = run.id, error = %err, "backfill page failed");
            step.errors.push(format!("{name}: {err}"));
        }
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
                    .live_contact_ids_after(after, bulk as u64, run.import_job_id)
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
            .live_contact_ids_after(run.after_contact_id, QUEUE_PAGE as u64, run.import_job_id)
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
}
