//! The fleet-wide scheduler lock: one process of a fleet runs the agreement scheduler at a
//! time, the others skip their turn instead of racing it.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::gate::HeldTx;
use super::{Store, StoreError};

/// The key of the PostgreSQL advisory lock a scheduler run holds ("Rapport" + 2; the event
/// relay's publishing lock is + 1).
const SCHEDULER_LOCK_KEY: i64 = 0x5261_7070_6f72_7402;

/// Held for a whole scheduler run. On PostgreSQL an open transaction holding a
/// transaction-level advisory lock: released when the run ends, and by the server when the
/// process dies (its connection closes). On SQLite there is nothing to hold: every write takes
/// the database's single write lock already.
#[derive(Debug)]
pub struct SchedulerLock {
    held: Option<HeldTx>,
}

impl SchedulerLock {
    /// Ends the run's hold on the lock.
    pub async fn release(self) -> Result<(), StoreError> {
        if let Some(tx) = self.held {
            tx.rollback().await?;
        }
        Ok(())
    }
}

impl Store {
    /// Takes the scheduler lock when no other process of the fleet holds it; `None` when one
    /// does. Never waits.
    pub async fn try_lock_scheduler(&self) -> Result<Option<SchedulerLock>, StoreError> {
        if self.is_sqlite() {
            return Ok(Some(SchedulerLock { held: None }));
        }
        let tx = self.begin_write().await?;
        let row = tx
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1) AS locked",
                [SCHEDULER_LOCK_KEY.into()],
            ))
            .await?;
        let locked = match row {
            Some(row) => row.try_get::<bool>("", "locked")?,
            None => false,
        };
        if locked {
            Ok(Some(SchedulerLock { held: Some(tx) }))
        } else {
            tx.rollback().await?;
            Ok(None)
        }
    }
}
