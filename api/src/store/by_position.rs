//! Rows read by position. A read names the columns it needs once, in order ([`ReadRow`]), and
//! each row is then decoded left to right.
//!
//! Why: a sea-orm model reads every column of its table, and looks each one up by name in
//! every row (a hash of the name, a map look-up, and for a prefixed column a formatted name),
//! whether the caller uses it or not. The list page's profile had a third of its
//! instructions there; contacts carry wide columns only filters and sorts use
//! (`search_text`, the lower-cased keys), which a read never needs.

use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryResult, QuerySelect, QueryTrait, Select,
    TryGetable,
};

use super::StoreError;

/// A row being read left to right from a given column.
#[derive(Debug)]
pub(super) struct Cols<'r> {
    row: &'r QueryResult,
    at: usize,
}

impl<'r> Cols<'r> {
    /// Reads `row` from its column `at` (0 for the first).
    pub(super) fn at(row: &'r QueryResult, at: usize) -> Self {
        Cols { row, at }
    }

    /// The value of the next column.
    pub(super) fn next<T: TryGetable>(&mut self) -> Result<T, StoreError> {
        let value = self.row.try_get_by_index(self.at)?;
        self.at += 1;
        Ok(value)
    }

    /// The position of the next column.
    pub(super) fn position(&self) -> usize {
        self.at
    }
}

/// A row type read by position: the columns it selects, in the order `read` takes them.
pub(super) trait ReadRow: Sized {
    /// The table.
    type Entity: EntityTrait;
    /// The columns a read selects, in order.
    const COLUMNS: &'static [<Self::Entity as EntityTrait>::Column];
    /// Reads one row from `cols`, one column of [`Self::COLUMNS`] after the other.
    fn read(cols: &mut Cols<'_>) -> Result<Self, StoreError>;

    /// Reads the row starting at column `at`, and answers where the next columns start.
    fn read_at(row: &QueryResult, at: usize) -> Result<(Self, usize), StoreError> {
        let mut cols = Cols::at(row, at);
        let value = Self::read(&mut cols)?;
        Ok((value, cols.position()))
    }
}

/// Selects the columns of `R` (table-qualified, as a join needs them) after those `q` already
/// selects.
pub(super) fn select<R: ReadRow>(q: &mut SelectStatement) {
    for &c in R::COLUMNS {
        q.expr(c.select_as(Expr::col((R::Entity::default(), c))));
    }
}

/// Runs `select` for the columns of `R` only, and reads its rows.
pub(super) async fn all<R: ReadRow>(
    db: &impl ConnectionTrait,
    select: Select<R::Entity>,
) -> Result<Vec<R>, StoreError> {
    let mut q = select.select_only().into_query();
    self::select::<R>(&mut q);
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| R::read_at(row, 0).map(|(r, _)| r))
        .collect()
}

#[cfg(test)]
#[path = "by_position_tests.rs"]
mod tests;
