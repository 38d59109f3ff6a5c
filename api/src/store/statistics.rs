//! The query planner's statistics for tables a bulk write grows.
//!
//! PostgreSQL plans a statement from statistics that `ANALYZE` gathers and autovacuum refreshes
//! only now and then (about once a minute, after a tenth of the table changed, and never when it
//! is turned off). An import or `rapport demo-data` can grow a table from a few rows to a
//! hundred thousand in seconds: planned from the statistics of the near-empty table, the
//! look-ups of the next chunk (`external_id IN (…)` of 500 ids) scan the whole table instead of
//! its unique index, and each chunk gets slower as the table grows. Bulk writers therefore
//! refresh the statistics of what they grew themselves ([`Store::refresh_statistics`]).
//!
//! SQLite needs nothing: Rapport never runs `ANALYZE` there, and without `sqlite_stat1` its
//! planner prefers the indexes these look-ups have.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{Store, StoreError};

/// A table bulk writes grow, named by the compiler rather than by a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grown {
    /// `accounts` (and `account_domains`, which grow with them).
    Accounts,
    /// `contacts`.
    Contacts,
    /// `measurements`.
    Measurements,
    /// `team_members`.
    TeamMembers,
}

impl Grown {
    /// The tables refreshed for it.
    fn tables(self) -> &'static [&'static str] {
        match self {
            Grown::Accounts => &["accounts", "account_domains"],
            Grown::Contacts => &["contacts"],
            Grown::Measurements => &["measurements"],
            Grown::TeamMembers => &["team_members"],
        }
    }

    /// The table whose size decides when to refresh.
    fn main_table(self) -> &'static str {
        self.tables()[0]
    }
}

impl Store {
    /// The rows PostgreSQL's planner believes `table` holds (`pg_class.reltuples`; 0 for a table
    /// never analyzed). `None` on SQLite, which keeps no such figure.
    ///
    /// # Errors
    /// The database failed.
    pub async fn planner_rows(&self, table: Grown) -> Result<Option<u64>, StoreError> {
        if self.is_sqlite() {
            return Ok(None);
        }
        let row = self
            .writer()
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = to_regclass($1)",
                [table.main_table().into()],
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        let rows: f64 = row.try_get("", "rows")?;
        // -1 means "never analyzed"; the figure is an estimate, so rounding is fine.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Some(if rows > 0.0 { rows as u64 } else { 0 }))
    }

    /// Refreshes PostgreSQL's planner statistics of `table` (`ANALYZE`, which samples at most
    /// 30,000 rows at the default statistics target and blocks neither reads nor writes).
    /// Nothing on SQLite (see the module's note).
    ///
    /// # Errors
    /// The database failed.
    pub async fn refresh_statistics(&self, table: Grown) -> Result<(), StoreError> {
        if self.is_sqlite() {
            return Ok(());
        }
        let sql = format!("ANALYZE {}", table.tables().join(", "));
        self.writer().execute_unprepared(&sql).await?;
        Ok(())
    }
}

/// When a bulk writer refreshes the statistics of what it grows: once it has added as many rows
/// as the planner last knew the table to hold (and at least `floor`), so a table that starts
/// empty is analyzed at `floor`, then each time it doubles: about log₂(added / floor) times in
/// all, whatever the size of the write, and not at all for a write small beside the table.
#[derive(Debug)]
pub struct GrowthWatch {
    table: Grown,
    known: u64,
    added: u64,
    floor: u64,
}

impl GrowthWatch {
    /// A watch over `table`, reading what the planner knows of it now. On SQLite it never fires.
    ///
    /// # Errors
    /// The database failed.
    pub async fn start(
        store: &Store,
        table: Grown,
        floor: u64,
    ) -> Result<Option<Self>, StoreError> {
        Ok(store.planner_rows(table).await?.map(|known| Self {
            table,
            known,
            added: 0,
            floor,
        }))
    }

    /// Counts `rows` more written (and committed); refreshes the statistics when they are due.
    /// Returns whether it did.
    ///
    /// # Errors
    /// The database failed.
    pub async fn added(&mut self, store: &Store, rows: u64) -> Result<bool, StoreError> {
        self.added += rows;
        if !self.due() {
            return Ok(false);
        }
        store.refresh_statistics(self.table).await?;
        self.known += self.added;
        self.added = 0;
        Ok(true)
    }

    /// Whether the rows added since the planner last looked call for a refresh.
    fn due(&self) -> bool {
        self.added >= self.floor.max(self.known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(known: u64) -> GrowthWatch {
        GrowthWatch {
            table: Grown::Contacts,
            known,
            added: 0,
            floor: 500,
        }
    }

    /// Adds `chunks` of 500 rows, returning the running totals at which a refresh fell due.
    fn refreshes(mut w: GrowthWatch, chunks: u64) -> Vec<u64> {
        let mut at = Vec::new();
        for i in 1..=chunks {
            w.added += 500;
            if w.due() {
                w.known += w.added;
                w.added = 0;
                at.push(i * 500);
            }
        }
        at
    }

    #[test]
    fn an_empty_table_is_analyzed_at_the_floor_and_then_each_time_it_doubles() {
        assert_eq!(
            refreshes(watch(0), 200),
            [500, 1000, 2000, 4000, 8000, 16000, 32000, 64000]
        );
    }

    #[test]
    fn a_write_small_beside_the_table_does_not_analyze_it() {
        assert!(refreshes(watch(1_000_000), 200).is_empty());
        assert_eq!(refreshes(watch(50_000), 200), [50_000]);
    }
}
