use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::DatabaseTransaction;

use super::StoreError;
use crate::auth::cache::AuthCache;

/// A write transaction. Every use case runs in exactly one: the change, its audit row and its
/// outbox event commit together or not at all. Dropping it without [`Tx::commit`] rolls back.
#[derive(Debug)]
pub struct Tx {
    pub(super) inner: DatabaseTransaction,
    /// This process's authentication cache, cleared on commit when [`Tx::auth_changed`] was
    /// marked (other processes hear of the change from the database; see `auth_changes`).
    auth_cache: Option<Arc<AuthCache>>,
    auth_changed: AtomicBool,
}

impl Tx {
    pub(super) fn new(inner: DatabaseTransaction) -> Self {
        Self {
            inner,
            auth_cache: None,
            auth_changed: AtomicBool::new(false),
        }
    }

    pub(super) fn with_auth_cache(mut self, cache: Arc<AuthCache>) -> Self {
        self.auth_cache = Some(cache);
        self
    }

    /// Marks that this transaction changes who a caller is (a member, a partner, a
    /// revocation): this process forgets its cached answers as soon as it commits.
    pub(super) fn auth_changed(&self) {
        self.auth_changed.store(true, Ordering::SeqCst);
    }

    /// Commits every write made through this transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        let forget = self
            .auth_changed
            .load(Ordering::SeqCst)
            .then_some(self.auth_cache)
            .flatten();
        self.inner.commit().await?;
        // After the commit, not before: a request reading between the two would otherwise put
        // the old answer back into a cache cleared too early.
        if let Some(cache) = forget {
            cache.invalidate();
        }
        Ok(())
    }
}
