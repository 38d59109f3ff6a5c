//! A transaction together with the pool slot its connection takes.

use std::ops::Deref;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use super::Slot;

/// A transaction that gives its pool slot back when it ends (committed, rolled back or
/// dropped), together with its connection.
#[derive(Debug)]
pub(crate) struct HeldTx {
    // Declared first: dropped (rolled back) before the slot is given back.
    txn: DatabaseTransaction,
    slot: Slot,
}

impl HeldTx {
    pub(super) fn new(txn: DatabaseTransaction, slot: Slot) -> Self {
        Self { txn, slot }
    }

    /// Commits, then gives the slot back.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back, then gives the slot back.
    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    /// The transaction and its slot, for a wrapper that keeps both.
    pub(crate) fn into_parts(self) -> (DatabaseTransaction, Slot) {
        (self.txn, self.slot)
    }
}

impl Deref for HeldTx {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for HeldTx {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
