//! Running the relay and the webhook dispatcher: in the server (`events.relay_in_server`),
//! alone (`rapport relay`) or beside the sync worker (`rapport worker`), and step by step in
//! tests with a clock of their choosing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Outlet;
use super::relay::{Relay, RelayReport};
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
        let relay = Relay::new(store.clone(), outlets(settings), settings.batch_size);
        Ok(Self {
            store,
            settings: settings.clone(),
            relay,
            sender,
            last_prune: Arc::new(Mutex::new(None)),
        })
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
    }

    /// Deletes what is older than the retention, in bounded batches.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<Pruned, ApiError> {
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
        let mut step = EventsStep::default();
        match self.relay.run_once(now).await {
            Ok(report) => step.relay = report,
            Err(err) => tracing::error!(error = %err, "event relay run failed; retrying"),
        }
        match dispatcher.run_once(now).await {
            Ok(report) => step.dispatch = report,
            Err(err) => tracing::error!(error = %err, "webhook dispatch failed; retrying"),
        }
        if self.prune_due(now) {
            match self.prune(now).await {
                Ok(pruned) => step.pruned = Some(pruned),
                Err(err) => tracing::error!(error = %err, "event pruning failed; retrying"),
            }
        }
        step
    }

    /// Runs steps until `stop` is raised, sleeping `events.poll_ms` when idle. A step in
    /// progress always finishes (its batch commits, its attempts are recorded).
    pub async fn run(&self, worker: impl Into<String>, stop: Arc<AtomicBool>) {
        let dispatcher = self.dispatcher(worker);
        let idle = Duration::from_millis(self.settings.poll_ms.max(1));
        while !stop.load(Ordering::SeqCst) {
            if self.step(&dispatcher, Utc::now()).await.is_idle() {
                tokio::time::sleep(idle).await;
            }
        }
    }
}
