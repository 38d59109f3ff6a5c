use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;

use super::views::{CompletedJob, DeadLetter, JobState, JobView};
use crate::{
    ClaimedJob, Delivery, JobId, JobKind, Lease, LeaseToken, QueueError, SyncError, SyncJob,
    SyncQueue,
};

#[derive(Debug, Default)]
struct State {
    jobs: BTreeMap<(String, ContactId), JobView>,
    next_id: i64,
    next_token: u64,
    paused: BTreeMap<String, String>,
    dead_letters: Vec<DeadLetter>,
    completed: Vec<CompletedJob>,
}

/// The reference [`SyncQueue`]: every rule of the trait's contract, in memory, behind one lock
/// (which is what makes its claims atomic). Not durable; for tests.
#[derive(Debug, Default)]
pub struct InMemoryQueue {
    state: Mutex<State>,
}

impl InMemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a change of `contact` for `provider`, merging it into the job already there
    /// (see [`SyncQueue`]'s contract). Returns the job's id.
    pub fn enqueue(
        &self,
        provider: &str,
        contact_id: ContactId,
        kind: JobKind,
        now: DateTime<Utc>,
    ) -> JobId {
        let mut state = self.lock();
        let key = (provider.to_owned(), contact_id);
        if let Some(job) = state.jobs.get_mut(&key) {
            match &job.state {
                JobState::Pending { .. } => job.kind = job.kind.coalesce(kind),
                JobState::Leased(_) => {
                    job.rerun = Some(job.rerun.map_or(kind, |r| r.coalesce(kind)));
                }
                JobState::DeadLetter { .. } => {
                    job.kind = job.kind.coalesce(kind);
                    job.attempts = 0;
                    job.state = JobState::Pending { due_at: now };
                }
            }
            return job.id;
        }
        state.next_id += 1;
        let id = JobId::new(state.next_id);
        let job = JobView {
            id,
            kind,
            attempts: 0,
            state: JobState::Pending { due_at: now },
            rerun: None,
            last_error: None,
        };
        state.jobs.insert(key, job);
        id
    }

    /// The job of `provider` for `contact`, if any.
    pub fn job(&self, provider: &str, contact_id: ContactId) -> Option<JobView> {
        self.lock()
            .jobs
            .get(&(provider.to_owned(), contact_id))
            .cloned()
    }

    /// How many jobs the queue holds (pending, leased or dead).
    pub fn len(&self) -> usize {
        self.lock().jobs.len()
    }

    /// Whether the queue holds no job.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every dead letter ever parked, in order.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.lock().dead_letters.clone()
    }

    /// Every completed job, in order.
    pub fn completed(&self) -> Vec<CompletedJob> {
        self.lock().completed.clone()
    }

    /// Why `provider` is paused, if it is.
    pub fn pause_reason(&self, provider: &str) -> Option<String> {
        self.lock().paused.get(provider).cloned()
    }

    /// Lets workers claim `provider`'s jobs again.
    pub fn resume_provider(&self, provider: &str) {
        self.lock().paused.remove(provider);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The job held under this claim's lease, or `LeaseLost`.
    fn held(&mut self, claimed: &ClaimedJob) -> Result<&mut JobView, QueueError> {
        let key = (claimed.job.provider.clone(), claimed.job.contact_id);
        let lost = QueueError::LeaseLost {
            job: claimed.job.id,
        };
        let job = self.jobs.get_mut(&key).ok_or(lost.clone())?;
        match &job.state {
            JobState::Leased(lease) if lease.token == claimed.lease.token => Ok(job),
            _ => Err(lost),
        }
    }
}

/// Folds a change that arrived during the lease into the job and makes it pending at `due_at`;
/// `fresh` resets the attempts (the job succeeded or died, and the change is new work).
fn release(job: &mut JobView, due_at: DateTime<Utc>, fresh: bool) {
    if let Some(rerun) = job.rerun.take() {
        job.kind = job.kind.coalesce(rerun);
    }
    if fresh {
        job.attempts = 0;
        job.last_error = None;
    }
    job.state = JobState::Pending { due_at };
}

#[async_trait]
impl SyncQueue for InMemoryQueue {
    async fn claim(
        &self,
        worker_id: &str,
        provider: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClaimedJob>, QueueError> {
        let mut state = self.lock();
        let mut due: Vec<(DateTime<Utc>, JobId, ContactId)> = state
            .jobs
            .iter()
            .filter(|((p, _), _)| p == provider)
            .filter_map(|((_, contact), job)| match &job.state {
                JobState::Pending { due_at } if *due_at <= now => Some((*due_at, job.id, *contact)),
                JobState::Leased(l) if l.expires_at <= now => {
                    Some((l.expires_at, job.id, *contact))
                }
                _ => None,
            })
            .collect();
        due.sort();
        let mut claimed = Vec::with_capacity(limit.min(due.len()));
        for (_, _, contact_id) in due.into_iter().take(limit) {
            state.next_token += 1;
            let token = LeaseToken::new(state.next_token.to_string());
            let Some(job) = state.jobs.get_mut(&(provider.to_owned(), contact_id)) else {
                continue;
            };
            if let Some(rerun) = job.rerun.take() {
                // A reclaimed job loads the contact afresh, which covers the change.
                job.kind = job.kind.coalesce(rerun);
            }
            job.attempts += 1;
            let lease = Lease {
                worker_id: worker_id.to_owned(),
                token,
                expires_at: crate::time::after(now, lease),
            };
            job.state = JobState::Leased(lease.clone());
            let job = SyncJob {
                id: job.id,
                provider: provider.to_owned(),
                contact_id,
                kind: job.kind,
                attempts: job.attempts,
            };
            claimed.push(ClaimedJob { job, lease });
        }
        Ok(claimed)
    }

    async fn complete(
        &self,
        claimed: &ClaimedJob,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let mut state = self.lock();
        let job = state.held(claimed)?;
        if job.rerun.is_some() {
            release(job, now, true);
        } else {
            state
                .jobs
                .remove(&(claimed.job.provider.clone(), claimed.job.contact_id));
        }
        state.completed.push(CompletedJob {
            provider: claimed.job.provider.clone(),
            contact_id: claimed.job.contact_id,
            delivery: delivery.clone(),
        });
        Ok(())
    }

    async fn retry_later(
        &self,
        claimed: &ClaimedJob,
        error: &SyncError,
        at: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let mut state = self.lock();
        let job = state.held(claimed)?;
        release(job, at, false);
        job.last_error = Some(error.to_string());
        Ok(())
    }

    async fn dead_letter(
        &self,
        claimed: &ClaimedJob,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let mut state = self.lock();
        let job = state.held(claimed)?;
        let letter = DeadLetter {
            provider: claimed.job.provider.clone(),
            contact_id: claimed.job.contact_id,
            attempts: job.attempts,
            reason: reason.to_owned(),
        };
        if job.rerun.is_some() {
            // The contact changed since this attempt: the change may be the fix, so it gets a
            // fresh attempt; the dead letter stays on record.
            release(job, now, true);
        } else {
            job.last_error = Some(reason.to_owned());
            job.state = JobState::DeadLetter {
                reason: reason.to_owned(),
            };
        }
        state.dead_letters.push(letter);
        Ok(())
    }

    async fn pause_provider(
        &self,
        provider: &str,
        reason: &str,
        _now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        self.lock()
            .paused
            .insert(provider.to_owned(), reason.to_owned());
        Ok(())
    }

    async fn is_paused(&self, provider: &str) -> Result<bool, QueueError> {
        Ok(self.lock().paused.contains_key(provider))
    }
}
