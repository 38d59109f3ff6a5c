#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod bulk;
mod contact;
mod error;
mod http;
mod job;
mod limits;
mod metrics;
mod provider;
mod queue;
mod registry;
mod retry;
mod source;
mod time;
mod worker;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

/// The attribute provider crates implement [`ContactSync`] with (re-exported so every provider
/// uses the same version).
pub use async_trait::async_trait;
pub use bulk::BulkReport;
pub use contact::{ContactState, ErasedContact, SyncContact, SyncOutcome};
pub use error::SyncError;
pub use http::{
    TransportFailure, check_status, classify_http, classify_http_at, classify_transport,
    parse_retry_after,
};
pub use job::{ClaimedJob, JobId, JobKind, Lease, LeaseToken, SyncJob};
pub use limits::{ConcurrencyLimit, ConcurrencyPermit, ProviderLimits, Rate, RateLimiter};
pub use metrics::{Counters, Outcome};
pub use provider::ContactSync;
pub use queue::{Delivery, QueueError, SyncQueue};
pub use registry::{RegisteredProvider, Registry, RegistryError};
pub use retry::{RetryDecision, RetryPolicy};
pub use source::{ContactSource, SourceError};
pub use worker::{PausedProvider, StepReport, Worker, WorkerConfig};
