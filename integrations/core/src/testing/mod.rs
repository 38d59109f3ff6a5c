//! Test doubles for this crate's tests and other crates' (feature `testing`): a queue with the
//! full claim/lease/coalescing contract, a contact source, a scriptable provider, fixtures.

mod fake_provider;
mod fixtures;
mod memory_queue;
mod memory_source;
mod views;

pub use fake_provider::{FakeCall, FakeProvider, FakeResponse};
pub use fixtures::{erased_contact, sync_contact};
pub use memory_queue::InMemoryQueue;
pub use memory_source::InMemorySource;
pub use views::{CompletedJob, DeadLetter, JobState, JobView};

#[cfg(test)]
mod memory_queue_tests;
