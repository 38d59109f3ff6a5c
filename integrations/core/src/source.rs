//! Where the worker reads a contact's current state from.

use async_trait::async_trait;
use rapport_domain::ids::ContactId;

use crate::ContactState;

/// Loads a contact's current state at the moment a job runs, so a stale snapshot is never sent.
/// The api implements it over its store (contact, account and the provider's sync-state row).
#[async_trait]
pub trait ContactSource: Send + Sync {
    /// The contact's state for `provider` (`previous_email` and `external_id` are per provider),
    /// or `None` when no contact with that id exists at all.
    async fn load(
        &self,
        provider: &str,
        contact_id: ContactId,
    ) -> Result<Option<ContactState>, SourceError>;
}

/// The contact could not be loaded (the store failed). The job is retried like a retryable
/// provider failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not load the contact: {0}")]
pub struct SourceError(pub String);
