//! The query planner's statistics for tables a bulk write grows.
//!
//! PostgreSQL plans a statement from statistics that `ANALYZE` gathers and autovacuum refreshes
//! only now and then (about once a minute, after a tenth of the table changed, and never when it
//! is turned off). An import or `rapport demo-data` can grow a table from a few rows to a
//! hundred thousand in seconds, and the API's list pages are then planned from the statistics
//! of the near-empty table. Bulk writers therefore refresh the statistics of what they grew
//! themselves ([`Store::refresh_statistics`]), once, at their end ([`GrowthWatch`]).
//!
//! The writes themselves do not need fresh statistics: their look-ups of many keys bind the
//! keys as one array the planner cannot see into (`key_list`), planned on the unique indexes
//! whatever the table's size. (Planned as lists of 500 constants, they became sequential scans
//! as the table grew: 304 rows/s at 100,000 contacts, until the statistics were refreshed
//! every time the table doubled.)
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

/// When a bulk writer refreshes the statistics of what it grows: at its end, when it added at
/// least as many rows as the planner last knew the table to hold (and at least `floor`). Not at
/// all for a write small beside the table.
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

    /// Counts `rows` more written (and committed).
    pub fn added(&mut self, rows: u64) {
        self.added += rows;
    }

    /// The write is over: refreshes the statistics if it grew the table enough. Returns whether
    /// it did.
    ///
    /// # Errors
    /// The database failed.
    pub async fn finish(self, store: &Store) -> Result<bool, StoreError> {
        if !self.due() {
            return Ok(false);
        }
        store.refresh_statistics(self.table).await?;
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

    #[test]
    fn a_write_as_large_as_the_table_or_larger_analyzes_it_once_at_its_end() {
        for (known, added, due) in [
            (0, 499, false),
            (0, 500, true),
            (0, 100_000, true),
            (50_000, 49_999, false),
            (50_000, 50_000, true),
            (1_000_000, 100_000, false),
        ] {
            let mut w = watch(known);
            w.added(added);
            assert_eq!(w.due(), due, "known {known}, added {added}");
        }
    }
}
