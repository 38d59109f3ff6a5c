use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use rapport_domain::ids::ContactId;

use crate::{ContactSource, ContactState, ErasedContact, SourceError, SyncContact};

/// Contacts held in memory, the same state for every provider. Change them between enqueue and
/// a worker step to check that the current state is what gets sent.
#[derive(Debug, Default)]
pub struct InMemorySource {
    contacts: Mutex<BTreeMap<ContactId, ContactState>>,
    failing: AtomicBool,
    loads: AtomicUsize,
}

impl InMemorySource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores (or replaces) a live contact.
    pub fn put(&self, contact: SyncContact) {
        self.set(ContactState::Live(contact));
    }

    /// Replaces a contact by what is left after erasure.
    pub fn erase(&self, erased: ErasedContact) {
        self.set(ContactState::Erased(erased));
    }

    /// Forgets a contact entirely.
    pub fn remove(&self, contact_id: ContactId) {
        self.lock().remove(&contact_id);
    }

    /// Makes every load fail (`true`) or succeed again (`false`).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// How many loads were asked for.
    pub fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }

    fn set(&self, state: ContactState) {
        self.lock().insert(state.contact_id(), state);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<ContactId, ContactState>> {
        self.contacts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl ContactSource for InMemorySource {
    async fn load(
        &self,
        _provider: &str,
        contact_id: ContactId,
    ) -> Result<Option<ContactState>, SourceError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(SourceError("the store is down".to_owned()));
        }
        Ok(self.lock().get(&contact_id).cloned())
    }
}
