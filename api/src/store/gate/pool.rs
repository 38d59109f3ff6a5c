//! A pool behind its gate: what the store's reads and writes run on.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TransactionOptions, TransactionTrait,
};

use super::{HeldTx, PoolGate};

/// A sea-orm pool whose every statement and transaction first takes a slot of its gate.
#[derive(Debug, Clone)]
pub(crate) struct GatedPool {
    conn: DatabaseConnection,
    gate: Arc<PoolGate>,
}

impl GatedPool {
    pub(crate) fn new(conn: DatabaseConnection, gate: Arc<PoolGate>) -> Self {
        Self { conn, gate }
    }

    /// The pool past its gate: for what runs before anything else is served (migrations),
    /// for reading the pool's own numbers, and for closing it.
    pub(crate) fn ungated(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The gate.
    pub(crate) fn gate(&self) -> &PoolGate {
        &self.gate
    }

    /// Which database this is.
    pub(crate) fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// A transaction holding its slot until it ends.
    pub(crate) async fn begin(&self) -> Result<HeldTx, DbErr> {
        let slot = self.gate.enter().await?;
        Ok(HeldTx::new(self.conn.begin().await?, slot))
    }

    /// Like [`GatedPool::begin`], with `options`.
    pub(crate) async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<HeldTx, DbErr> {
        let slot = self.gate.enter().await?;
        Ok(HeldTx::new(
            self.conn.begin_with_options(options).await?,
            slot,
        ))
    }

    /// Checks the database answers.
    pub(crate) async fn ping(&self) -> Result<(), DbErr> {
        let _slot = self.gate.enter().await?;
        self.conn.ping().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for GatedPool {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let _slot = self.gate.enter().await?;
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let _slot = self.gate.enter().await?;
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let _slot = self.gate.enter().await?;
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let _slot = self.gate.enter().await?;
        self.conn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.conn.support_returning()
    }
}
