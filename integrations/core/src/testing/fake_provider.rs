use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use rapport_domain::ids::ContactId;
use tokio::time::Instant;

use crate::{ContactSync, ErasedContact, SyncContact, SyncError, SyncOutcome};

/// What the fake answers to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeResponse {
    /// Success; an upsert reports the external id `{name}-{contact id}`.
    Ok,
    /// Success; an upsert reports this external id.
    OkWithId(String),
    /// The call fails with this error.
    Fail(SyncError),
    /// The call never answers (until the caller's timeout).
    Stall,
}

impl FakeResponse {
    /// A retryable failure, with the delay the provider asks for.
    pub fn retryable(retry_after: Option<Duration>) -> Self {
        FakeResponse::Fail(SyncError::Retryable {
            reason: "HTTP 503 without a body".to_owned(),
            retry_after,
        })
    }

    /// A permanent failure with this reason.
    pub fn permanent(reason: &str) -> Self {
        FakeResponse::Fail(SyncError::permanent(reason))
    }

    /// An authorization failure.
    pub fn unauthorized() -> Self {
        FakeResponse::Fail(SyncError::unauthorized("HTTP 401: API Key Invalid"))
    }
}

/// One call the fake received, with what it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeCall {
    /// `upsert`.
    Upsert(SyncContact),
    /// `erase`.
    Erase(ErasedContact),
}

impl FakeCall {
    /// The contact the call was about.
    pub fn contact_id(&self) -> ContactId {
        match self {
            FakeCall::Upsert(c) => c.contact_id,
            FakeCall::Erase(c) => c.contact_id,
        }
    }
}

/// A provider that answers from a script, records every call, and measures how many calls were
/// in flight at once. Calls beyond the script succeed.
#[derive(Debug)]
pub struct FakeProvider {
    name: &'static str,
    latency: Duration,
    script: Mutex<VecDeque<FakeResponse>>,
    calls: Mutex<Vec<(Instant, FakeCall)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl FakeProvider {
    /// A fake named `name` that answers at once and always succeeds.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            latency: Duration::ZERO,
            script: Mutex::default(),
            calls: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    /// Takes `latency` (tokio time) to answer each call.
    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Queues answers for the next calls, in order.
    pub fn script(&self, responses: impl IntoIterator<Item = FakeResponse>) {
        lock(&self.script).extend(responses);
    }

    /// Every call received, in order.
    pub fn calls(&self) -> Vec<FakeCall> {
        lock(&self.calls).iter().map(|(_, c)| c.clone()).collect()
    }

    /// When each call started (tokio time), in order.
    pub fn call_times(&self) -> Vec<Instant> {
        lock(&self.calls).iter().map(|(t, _)| *t).collect()
    }

    /// The contacts upserted, in order.
    pub fn upserts(&self) -> Vec<SyncContact> {
        lock(&self.calls)
            .iter()
            .filter_map(|(_, c)| match c {
                FakeCall::Upsert(c) => Some(c.clone()),
                FakeCall::Erase(_) => None,
            })
            .collect()
    }

    /// The contacts erased, in order.
    pub fn erasures(&self) -> Vec<ErasedContact> {
        lock(&self.calls)
            .iter()
            .filter_map(|(_, c)| match c {
                FakeCall::Erase(c) => Some(c.clone()),
                FakeCall::Upsert(_) => None,
            })
            .collect()
    }

    /// The most calls that were in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    async fn answer(&self, call: FakeCall) -> Result<SyncOutcome, SyncError> {
        let contact_id = call.contact_id();
        lock(&self.calls).push((Instant::now(), call));
        let _in_flight = InFlight::enter(self);
        let response = lock(&self.script).pop_front().unwrap_or(FakeResponse::Ok);
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        match response {
            FakeResponse::Ok => Ok(SyncOutcome::with_external_id(format!(
                "{}-{contact_id}",
                self.name
            ))),
            FakeResponse::OkWithId(id) => Ok(SyncOutcome::with_external_id(id)),
            FakeResponse::Fail(err) => Err(err),
            FakeResponse::Stall => std::future::pending().await,
        }
    }
}

/// Counts a call in flight until dropped, also when the caller gives up on it.
struct InFlight<'a>(&'a FakeProvider);

impl<'a> InFlight<'a> {
    fn enter(fake: &'a FakeProvider) -> Self {
        let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        fake.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(fake)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl ContactSync for FakeProvider {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn upsert(&self, contact: &SyncContact) -> Result<SyncOutcome, SyncError> {
        self.answer(FakeCall::Upsert(contact.clone())).await
    }

    async fn erase(&self, contact: &ErasedContact) -> Result<(), SyncError> {
        self.answer(FakeCall::Erase(contact.clone()))
            .await
            .map(|_| ())
    }
}
