//! The event relay: publishes the outbox in commit order and hands each batch to every outlet.
//!
//! One batch is one transaction: take the publishing lock (PostgreSQL: a transaction-scoped
//! advisory lock, so one relay of the fleet publishes at a time; SQLite: the single write
//! lock), read the unpublished rows (`seq IS NULL`) oldest row first, number them after the
//! last published `seq`, fill in the actor's display name, stamp `published_at`, call every
//! outlet's `publish` with the batch, commit. If anything fails, nothing of the batch is
//! published and the next run tries it again; outlets never see half a batch.
//!
//! **Order per aggregate.** Two changes of one aggregate never commit concurrently: each
//! updates the aggregate's row under its version check, so the second change's write waits for
//! the first transaction to end (PostgreSQL row lock; SQLite's single writer). The second
//! change's outbox row is therefore inserted after the first committed: it has a larger id and
//! becomes visible later, so the relay publishes it later, with a larger `seq`, in the same
//! batch or a later one.
//!
//! **No skipped late commit.** Outbox ids are handed out when rows are inserted, not when they
//! commit: a transaction that inserted id 7 may commit after id 8 was published. The relay
//! never keeps an id watermark; it selects every row still unpublished, so id 7 is simply
//! published by the next run, with the next `seq`. `seq`, not id, is the publication order
//! followers use, and it only grows because every publisher holds the lock while numbering.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::timing::{Phase, Timings};
use super::{Event, Outlet};
use crate::error::ApiError;
use crate::store::Store;

/// What one relay run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayReport {
    /// Events published.
    pub published: usize,
    /// The last `seq` given, when something was published.
    pub last_seq: Option<i64>,
}

impl RelayReport {
    /// Whether the outbox had nothing to publish.
    pub fn is_idle(&self) -> bool {
        self.published == 0
    }
}

/// Publishes outbox events to the outlets.
#[derive(Debug, Clone)]
pub struct Relay {
    /// Everything that receives published events, in the order they are called.
    pub outlets: Vec<Arc<dyn Outlet>>,
    store: Store,
    batch_size: u64,
    timings: Arc<Timings>,
}

impl Relay {
    /// A relay over `store` publishing at most `batch_size` events per transaction.
    pub fn new(store: Store, outlets: Vec<Arc<dyn Outlet>>, batch_size: u64) -> Self {
        Self {
            outlets,
            store,
            batch_size: batch_size.max(1),
            timings: Arc::default(),
        }
    }

    /// The relay recording its phases' times in `timings`.
    #[must_use]
    pub fn with_timings(mut self, timings: Arc<Timings>) -> Self {
        self.timings = timings;
        self
    }

    /// Publishes one batch at `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<RelayReport, ApiError> {
        let started = Instant::now();
        let t = &self.timings;
        let tx = self.store.begin().await?;
        tx.lock_publication().await?;
        let lock = t.since(Phase::RelayLock, started);
        let at = Instant::now();
        let (count, events): (usize, Vec<Event>) =
            tx.publish_next_batch(self.batch_size, now).await?;
        let read = t.since(Phase::RelayRead, at);
        if count == 0 {
            t.since(Phase::RelayRun, started);
            return Ok(RelayReport::default());
        }
        let mut outlets = Vec::with_capacity(self.outlets.len());
        for outlet in &self.outlets {
            let at = Instant::now();
            outlet.publish(&tx, &events).await.inspect_err(|err| {
                tracing::error!(outlet = outlet.name(), error = %err, "outlet failed; the batch is published again later");
            })?;
            let took = at.elapsed();
            if let Some(phase) = Phase::of_outlet(outlet.name()) {
                t.record(phase, took);
            }
            outlets.push((outlet.name(), took.as_micros()));
        }
        let at = Instant::now();
        tx.commit().await?;
        let commit = t.since(Phase::RelayCommit, at);
        let run = t.since(Phase::RelayRun, started);
        tracing::debug!(
            published = count,
            run_us = run.as_micros(),
            lock_us = lock.as_micros(),
            read_us = read.as_micros(),
            outlets_us = ?outlets,
            commit_us = commit.as_micros(),
            "relay batch published"
        );
        Ok(RelayReport {
            published: count,
            last_seq: events.last().map(|e| e.seq),
        })
    }
}
