//! Running the relay and the webhook dispatcher: in the server (`events.relay_in_server`),
//! alone (`rapport relay`) or beside the sync worker (`rapport worker`), and step by step in
//! tests with a clock of their choosing.
//!
//! [`EventsHandle::run`] runs publication and dispatch as two loops side by side: a slow or
//! hanging webhook receiver, a large dispatch backlog or a pruning pass never holds back the
//! publication of the next batch (and so neither the subscriptions nor the inbox, which need
//! only publication). The dispatcher is woken as soon as a batch is published.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::Outlet;
use super::relay::{Relay, RelayReport};
use super::timing::{Phase, Timings};
use super::webhooks::dispatch::{DispatchReport, Dispatcher};
use super::webhooks::fanout::WebhookFanout;
use super::webhooks::send::Sender;
use crate::config::EventSettings;
use crate::error::ApiError;
use crate::store::{Pruned, Store};

/// Every outlet the relay feeds, in the order it calls them. **This is the one place outlets
/// are registered**: a new way out (the notification inbox, …) adds itself here.
pub fn outlets(_settings: &EventSettings) -> Vec<Arc<dyn Outlet>> {
    vec![Arc::new(WebhookFanout), super::inbox::inbox_outlet()]
}

/// Most rows one pruning statement deletes.
const PRUNE_BATCH: u64 = 1000;
/// Most pruning statements per pass (a pass runs at most once a minute).
const PRUNE_PASSES: usize = 20;

/// The relay, the dispatcher and pruning over one database.
#[derive(Debug, Clone)]
pub struct EventsHandle {
    store: Store,
    settings: EventSettings,
    relay: Relay,
    sender: Sender,
    last_prune: Arc<Mutex<Option<DateTime<Utc>>>>,
    timings: Arc<Timings>,
}

/// What one step of the loop did.
#[derive(Debug, Clone, Default)]
pub struct EventsStep {
    /// The relay's run.
    pub relay: RelayReport,
    /// The dispatcher's run.
    pub dispatch: DispatchReport,
    /// Pruning, when it ran.
    pub pruned: Option<Pruned>,
}

impl EventsStep {
    /// Whether there was nothing to do.
    pub fn is_idle(&self) -> bool {
        self.relay.is_idle() && self.dispatch.is_idle()
    }
}

impl EventsHandle {
    /// The relay with the registered [`outlets`] and a webhook sender built from `settings`.
    pub fn new(store: Store, settings: &EventSettings) -> Result<Self, String> {
        let sender = Sender::from_settings(&settings.webhooks)?;
        let timings = Arc::new(Timings::default());
        let relay = Relay::new(store.clone(), outlets(settings), settings.batch_size)
            .with_timings(timings.clone());
        Ok(Self {
            store,
            settings: settings.clone(),
            relay,
            sender,
            last_prune: Arc::new(Mutex::new(None)),
            timings,
        })
    }

    /// Where this process's relay and dispatchers spent their time so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// The relay (tests call `run_once` with their own clock).
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// A dispatcher named `worker`.
    pub fn dispatcher(&self, worker: impl Into<String>) -> Dispatcher {
        Dispatcher::new(
            self.store.clone(),
            self.sender.clone(),
            &self.settings,
            worker,
        )
        .with_timings(self.timings.clone())
    }

    /// Deletes what is older than the retention, in bounded batches.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<Pruned, ApiError> {
        let started = std::time::Instant::now();
        let pruned = self.prune_passes(now).await;
        self.timings.since(Phase::Prune, started);
        pruned
    }

    async fn prune_passes(&self, now: DateTime<Utc>) -> Result<Pruned, ApiError> {
        let before = now - chrono::Duration::days(i64::from(self.settings.retention_days));
        let mut total = Pruned::default();
        for _ in 0..PRUNE_PASSES {
            let pruned = self.store.prune_events(before, PRUNE_BATCH).await?;
            total.events += pruned.events;
            total.deliveries += pruned.deliveries;
            if pruned.events < PRUNE_BATCH && pruned.deliveries < PRUNE_BATCH {
                break;
            }
        }
        Ok(total)
    }

    /// Whether a minute passed since the last pruning (and notes that it runs now).
    fn prune_due(&self, now: DateTime<Utc>) -> bool {
        let Ok(mut last) = self.last_prune.lock() else {
            return false;
        };
        let due = last.is_none_or(|at| now - at >= chrono::Duration::minutes(1));
        if due {
            *last = Some(now);
        }
        due
    }

    /// One step: publish a batch, dispatch due deliveries, prune when a minute has passed.
    /// Failures are logged and the step goes on; the next step tries again.
    pub async fn step(&self, dispatcher: &Dispatcher, now: DateTime<Utc>) -> EventsStep {
        EventsStep {
            relay: self.publish_step(now).await,
            dispatch: self.dispatch_step(dispatcher, now).await,
            pruned: self.prune_step(now).await,
        }
    }

    async fn publish_step(&self, now: DateTime<Utc>) -> RelayReport {
        self.relay.run_once(now).await.unwrap_or_else(|err| {
            tracing::error!(error = %err, "event relay run failed; retrying");
            RelayReport::default()
        })
    }

    async fn dispatch_step(&self, dispatcher: &Dispatcher, now: DateTime<Utc>) -> DispatchReport {
        dispatcher.run_once(now).await.unwrap_or_else(|err| {
            tracing::error!(error = %err, "webhook dispatch failed; retrying");
            DispatchReport::default()
        })
    }

    async fn prune_step(&self, now: DateTime<Utc>) -> Option<Pruned> {
        if !self.prune_due(now) {
            return None;
        }
        match self.prune(now).await {
            Ok(pruned) => Some(pruned),
            Err(err) => {
                tracing::error!(error = %err, "event pruning failed; retrying");
                None
            }
        }
    }

    /// Runs until `stop` is raised: a publishing loop and a dispatching loop (which also
    /// prunes), side by side, each sleeping `events.poll_ms` when it had nothing to do; a
    /// published batch wakes the dispatcher at once. Work in progress always finishes (a batch
    /// commits, attempts are recorded).
    pub async fn run(&self, worker: impl Into<String>, stop: Arc<AtomicBool>) {
        let dispatcher = self.dispatcher(worker);
        let idle = Duration::from_millis(self.settings.poll_ms.max(1));
        let published = Notify::new();
        let publishing = async {
            while !stop.load(Ordering::SeqCst) {
                if self.publish_step(Utc::now()).await.is_idle() {
                    tokio::time::sleep(idle).await;
                } else {
                    published.notify_one();
                }
            }
            // Lets the dispatching loop see `stop` without waiting out its sleep.
            published.notify_one();
        };
        let dispatching = async {
            while !stop.load(Ordering::SeqCst) {
                let now = Utc::now();
                let report = self.dispatch_step(&dispatcher, now).await;
                self.prune_step(now).await;
                if report.is_idle() {
                    tokio::select! {
                        () = tokio::time::sleep(idle) => {}
                        () = published.notified() => {}
                    }
                }
            }
        };
        tokio::join!(publishing, dispatching);
    }
}
