use sea_orm::DatabaseTransaction;

use super::StoreError;

/// A write transaction. Every use case runs in exactly one: the change, its audit row and its
/// outbox event commit together or not at all. Dropping it without [`Tx::commit`] rolls back.
#[derive(Debug)]
pub struct Tx {
    pub(super) inner: DatabaseTransaction,
}

impl Tx {
    pub(super) fn new(inner: DatabaseTransaction) -> Self {
        Self { inner }
    }

    /// Commits every write made through this transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        Ok(())
    }
}
