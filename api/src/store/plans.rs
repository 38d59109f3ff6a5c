//! The statements a request ran, and PostgreSQL's plans for them: the index check
//! (`tests/e2e/plans.rs`) drives the API once per filter and sort, records the SQL it ran here,
//! and asks PostgreSQL how it would run each statement.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{Store, StoreError};

/// Statements seen while recording is on (off by default: one relaxed load per statement).
#[derive(Debug, Default)]
pub(super) struct Recorder {
    on: AtomicBool,
    statements: Mutex<Vec<Statement>>,
}

impl Recorder {
    /// Keeps `statement` if recording is on.
    pub(super) fn note(&self, statement: &Statement) {
        if self.on.load(Ordering::Relaxed)
            && let Ok(mut kept) = self.statements.lock()
        {
            kept.push(statement.clone());
        }
    }
}

/// One statement the store ran, with its parameter values.
#[derive(Debug, Clone)]
pub struct RecordedStatement(Statement);

impl RecordedStatement {
    /// The SQL text, with placeholders.
    pub fn sql(&self) -> &str {
        &self.0.sql
    }

    /// Whether it only reads (a `SELECT` or a `WITH … SELECT`).
    pub fn is_read(&self) -> bool {
        let head = self.0.sql.trim_start().to_ascii_uppercase();
        head.starts_with("SELECT") || (head.starts_with("WITH") && !head.contains("INSERT"))
    }
}

impl Store {
    /// Starts recording every statement the store runs, dropping what was recorded before.
    pub fn start_recording(&self) {
        if let Ok(mut kept) = self.recorder().statements.lock() {
            kept.clear();
        }
        self.recorder().on.store(true, Ordering::Relaxed);
    }

    /// Stops recording and returns what was recorded, in order.
    pub fn stop_recording(&self) -> Vec<RecordedStatement> {
        self.recorder().on.store(false, Ordering::Relaxed);
        self.recorder()
            .statements
            .lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .unwrap_or_default()
            .into_iter()
            .map(RecordedStatement)
            .collect()
    }

    /// PostgreSQL's plan for `statement` with its recorded values (`EXPLAIN (FORMAT JSON)`),
    /// planned with sequential scans turned off when `without_seq_scans`: a sequential scan
    /// that remains then has no index that could serve it.
    pub async fn explain(
        &self,
        statement: &RecordedStatement,
        without_seq_scans: bool,
    ) -> Result<serde_json::Value, StoreError> {
        if self.is_sqlite() {
            return Err(StoreError::Db(sea_orm::DbErr::Custom(
                "query plans are read on PostgreSQL only".to_owned(),
            )));
        }
        let tx = self.reader().begin().await?;
        if without_seq_scans {
            tx.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await?;
        }
        let explain = Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("EXPLAIN (FORMAT JSON) {}", statement.0.sql),
            statement.0.values.clone().map(|v| v.0).unwrap_or_default(),
        );
        let row = tx
            .query_one_raw(explain)
            .await?
            .ok_or(StoreError::NotFound)?;
        let plan = row.try_get::<serde_json::Value>("", "QUERY PLAN")?;
        tx.rollback().await?;
        Ok(plan)
    }

    /// PostgreSQL's plan for `statement` as it ran (`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`):
    /// the statement is executed inside a transaction that is rolled back, so a write changes
    /// nothing. Its top node's buffers are the pages the whole statement touched.
    pub async fn explain_analyzed(
        &self,
        statement: &RecordedStatement,
    ) -> Result<serde_json::Value, StoreError> {
        if self.is_sqlite() {
            return Err(StoreError::Db(sea_orm::DbErr::Custom(
                "query plans are read on PostgreSQL only".to_owned(),
            )));
        }
        let tx = self.writer().begin().await?;
        let explain = Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {}",
                statement.0.sql
            ),
            statement.0.values.clone().map(|v| v.0).unwrap_or_default(),
        );
        let row = tx
            .query_one_raw(explain)
            .await?
            .ok_or(StoreError::NotFound)?;
        let plan = row.try_get::<serde_json::Value>("", "QUERY PLAN")?;
        tx.rollback().await?;
        Ok(plan)
    }
}
