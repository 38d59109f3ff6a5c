//! The row loop every kind of import shares. A kind only says how to read a row, what a chunk
//! of rows may match (looked up once per chunk), and how to apply one row; the driver reads
//! the cells, refuses keys repeated within the file, opens one transaction per chunk and one
//! savepoint per row (a row that fails leaves nothing behind), turns what a use-case step said
//! no with into a refusal naming the column, and rolls the chunk back in a dry run.

use std::future::Future;

use super::rows::{Cells, Refusal, Seen};
use super::{ImportOptions, ImportReport, Outcome, Record, RowReport};
use crate::error::ApiError;
use crate::service::Ctx;
use crate::store::Tx;

/// What applying one row did: the outcome and the record's id, or the row's refusal.
pub(super) type Applied = Result<(Outcome, Option<i64>), Refusal>;

/// One kind of import row.
pub(super) trait RowKind {
    /// A row as read from its cells.
    type Row: Send + Sync;
    /// What a chunk's rows may match, looked up once for the chunk.
    type Found: Send;

    /// The columns a file of this kind may have.
    const COLUMNS: &'static [&'static str];

    /// Reads a row's cells into domain values, refusing with the column at fault.
    fn read(cells: &Cells<'_>, options: &ImportOptions) -> Result<Self::Row, Refusal>;

    /// The keys a row claims within the file (`(column, key)`): a later row with one of them
    /// is refused as a possible duplicate.
    fn keys(row: &Self::Row) -> Vec<(&'static str, String)>;

    /// Looks up what the chunk's readable rows may match.
    fn look_up(
        tx: &Tx,
        ctx: &Ctx<'_>,
        rows: &[&Self::Row],
    ) -> impl Future<Output = Result<Self::Found, ApiError>> + Send;

    /// Applies one row inside its savepoint `tx`.
    fn apply(
        tx: &Tx,
        ctx: &Ctx<'_>,
        options: &ImportOptions,
        found: &mut Self::Found,
        row: Self::Row,
    ) -> impl Future<Output = Result<Applied, ApiError>> + Send;

    /// Runs after the chunk's rows, in its transaction (a kind whose rows change totals
    /// settles them here).
    fn finish(
        _tx: &Tx,
        _ctx: &Ctx<'_>,
        _found: Self::Found,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        async { Ok(()) }
    }

    /// The refusal for what a use-case step said no with; outages stop the import instead.
    fn refusal(err: ApiError) -> Result<Refusal, ApiError>;
}

/// Imports one chunk of rows of kind `K` in one transaction (rolled back in a dry run).
pub(super) async fn import_chunk<K: RowKind>(
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    seen: &mut Seen,
    records: Vec<Record>,
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    let rows: Vec<(u64, Result<K::Row, Refusal>)> = records
        .iter()
        .map(|record| {
            let cells = Cells {
                record,
                columns: K::COLUMNS,
                csv: options.format == super::Format::Csv,
            };
            let row = K::read(&cells, options).and_then(|row| {
                seen.claim(record.line, &K::keys(&row))?;
                Ok(row)
            });
            (record.line, row)
        })
        .collect();
    let tx = ctx.store.begin().await?;
    let readable: Vec<&K::Row> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    let mut found = K::look_up(&tx, ctx, &readable).await?;
    drop(readable);
    for (line, row) in rows {
        let (outcome, id) = match row {
            Err((field, reason)) => (Outcome::Refused { field, reason }, None),
            Ok(row) => {
                let point = tx.savepoint().await?;
                match K::apply(&point, ctx, options, &mut found, row).await {
                    Ok(Ok((outcome, id))) => {
                        point.commit().await?;
                        (outcome, id)
                    }
                    Ok(Err((field, reason))) => (Outcome::Refused { field, reason }, None),
                    Err(err) => {
                        let (field, reason) = K::refusal(err)?;
                        (Outcome::Refused { field, reason }, None)
                    }
                }
            }
        };
        // A dry run's new ids were rolled back with it: they name nothing.
        let id = id.filter(|_| !(options.dry_run && outcome == Outcome::Create));
        report.push(RowReport { line, outcome, id });
    }
    K::finish(&tx, ctx, found).await?;
    if !options.dry_run {
        tx.commit().await?;
    }
    Ok(())
}
