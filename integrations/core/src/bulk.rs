//! Bulk backfill: what a provider with a bulk API reports for a page of contacts.

use rapport_domain::ids::ContactId;

/// What one [`ContactSync::upsert_many`](crate::ContactSync::upsert_many) did.
///
/// Every contact given is in exactly one of `synced`, `retry` and `per_contact`. Reasons never
/// carry personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkReport {
    /// Calls made to the provider.
    pub calls: usize,
    /// Contacts the provider accepted, with the provider's id for each when it has one.
    pub synced: Vec<(ContactId, Option<String>)>,
    /// Contacts the bulk call did not sync (refused one by one, not expressible in bulk, or their
    /// call failed as a whole), with why: the api queues each for the per-contact upsert, which
    /// retries and classifies failures durably.
    pub per_contact: Vec<(ContactId, String)>,
    /// Contacts whose call failed in a way worth repeating (a 5xx, a timeout, a 429): the api
    /// sends them in bulk again after a pause, and queues them one by one only if that keeps
    /// failing.
    pub retry: Vec<ContactId>,
}

impl BulkReport {
    /// Contacts accounted for.
    pub fn len(&self) -> usize {
        self.synced.len() + self.per_contact.len() + self.retry.len()
    }

    /// Whether no contact is accounted for.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
