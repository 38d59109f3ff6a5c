//! The plugin contract every provider crate implements.

use async_trait::async_trait;
use rapport_domain::values::EmailAddress;

use crate::{BulkReport, ErasedContact, SyncContact, SyncError, SyncOutcome};

/// A provider that keeps a copy of our contacts (email marketing, telephony, …).
///
/// Object-safe: the api holds providers as `Arc<dyn ContactSync>` in a
/// [`Registry`](crate::Registry). Implementations must be idempotent: the worker may repeat a
/// call after a crash or a lost lease, so an upsert sent twice must leave one contact at the
/// provider, and erasing what is already gone must succeed.
///
/// Failures are classified, not described: see [`SyncError`] and
/// [`classify_http`](crate::classify_http).
#[async_trait]
pub trait ContactSync: Send + Sync {
    /// Stable name: the key of the provider's jobs, sync state, config section and metrics
    /// (`"mailchimp"`, `"ringover"`). Never change it once jobs exist.
    fn name(&self) -> &'static str;

    /// Creates or updates the contact at the provider from its current state.
    async fn upsert(&self, contact: &SyncContact) -> Result<SyncOutcome, SyncError>;

    /// Removes every trace of the contact the provider can remove. Succeeds when there is
    /// nothing to remove (nothing was ever synced, or it was already erased).
    async fn erase(&self, contact: &ErasedContact) -> Result<(), SyncError>;

    /// The key this provider would need to find the contact once its address is gone, derived
    /// from the address without being it (Mailchimp: the lowercase hex MD5 of the lowercased
    /// address). The api calls it when it erases a contact and keeps the result as
    /// [`ErasedContact::last_known_email_key`]. Providers that do not key on email keep the
    /// default, `None`.
    fn email_key(&self, email: &EmailAddress) -> Option<String> {
        let _ = email;
        None
    }

    /// Contacts one backfill page should hold: one full bulk call (the api keeps several pages
    /// in flight, up to the provider's limits). `0` (the default) means the provider has no
    /// bulk API.
    fn bulk_page_size(&self) -> usize {
        0
    }

    /// Creates or updates many contacts at once for a backfill (`resyncAll`), through the
    /// provider's bulk API, running calls concurrently under its limits. Must be safe to repeat
    /// (a backfill page is sent again after a crash).
    ///
    /// Only an unauthorized failure fails the whole page; other failures leave contacts in
    /// [`BulkReport::per_contact`]. Providers without a bulk API keep the default, `None`, and
    /// the api queues one upsert job per contact instead.
    async fn upsert_many(&self, contacts: &[SyncContact]) -> Option<Result<BulkReport, SyncError>> {
        let _ = contacts;
        None
    }
}
