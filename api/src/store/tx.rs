use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::DatabaseTransaction;

use super::StoreError;
use super::auth_changes::AuthSignal;
use super::gate::{HeldTx, Slot};

/// A write transaction. Every use case runs in exactly one: the change, its audit row and its
/// outbox event commit together or not at all. Dropping it without [`Tx::commit`] rolls back.
#[derive(Debug)]
pub struct Tx {
    pub(super) inner: DatabaseTransaction,
    /// This process's authentication cache, cleared on commit when the transaction changed who
    /// a caller is (other processes hear of the change from the database; see `auth_changes`).
    pub(super) auth: Option<Arc<AuthSignal>>,
    pub(super) auth_changed: AtomicBool,
    /// History collected for a multi-row flush, while the transaction defers it (imports).
    pub(super) deferred: std::sync::Mutex<Option<super::deferred::Deferred>>,
    /// The pool slot of the transaction's connection (none for a savepoint inside another
    /// transaction), given back after the transaction ended: declared after `inner`.
    slot: Option<Slot>,
}

impl Tx {
    /// The database this transaction runs on.
    pub(super) fn backend(&self) -> sea_orm::DbBackend {
        sea_orm::ConnectionTrait::get_database_backend(&self.inner)
    }

    pub(super) fn new(inner: DatabaseTransaction) -> Self {
        Self {
            inner,
            auth: None,
            auth_changed: AtomicBool::new(false),
            deferred: std::sync::Mutex::new(None),
            slot: None,
        }
    }

    /// A transaction of its own connection, holding that connection's pool slot.
    pub(super) fn held(tx: HeldTx) -> Self {
        let (inner, slot) = tx.into_parts();
        let mut tx = Self::new(inner);
        tx.slot = Some(slot);
        tx
    }

    pub(super) fn with_auth(mut self, auth: Arc<AuthSignal>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Commits every write made through this transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        if !self.auth_changed.load(Ordering::SeqCst) {
            self.inner.commit().await?;
            return Ok(());
        }
        let counter = self.auth_counter().await;
        let result = self.inner.commit().await;
        // After the commit, not before: a request reading between the two would otherwise put
        // the old answer back into a cache cleared too early. On an error too: the commit may
        // have happened even if its answer was lost.
        if let Some(auth) = self.auth {
            if result.is_ok() {
                auth.announced(counter);
            }
            auth.cache.invalidate();
        }
        result?;
        Ok(())
    }
}
