//! The row loop every kind of import shares. A kind only says how to read a row, what a chunk
//! of rows may match (looked up once per chunk), and how to apply one row; the driver reads
//! the cells, refuses keys repeated within the file, opens one transaction per chunk and one
//! savepoint per row (a row that fails leaves nothing behind), turns what a use-case step said
//! no with into a refusal naming the column, and rolls the chunk back in a dry run. An import
//! run as a job (`Resume`) skips the rows a killed run already committed, reading them only to
//! remember their keys, and writes the job's progress in each chunk's own transaction.

use std::future::Future;

use tokio::sync::mpsc::Receiver;

use super::rows::{Cells, Refusal, Seen};
use super::{ImportOptions, ImportReport, Outcome, Record, Resume, RowReport};
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

/// One import's row loop: the import and its file's row count.
pub(super) struct Run<'r, 'c> {
    pub ctx: &'r Ctx<'c>,
    pub options: &'r ImportOptions,
    /// The file's rows.
    pub total: u64,
}

impl Run<'_, '_> {
    /// Imports every chunk `chunks` brings as rows of kind `K` into `report`. With `resume`
    /// (an import job) the rows it already committed are skipped, each chunk's transaction
    /// carries the job's progress, and `report` keeps only the totals (the job stores the
    /// rows). `progress` hears (rows done, rows in the file) after each chunk.
    pub(super) async fn rows<K: RowKind>(
        &self,
        chunks: &mut Receiver<Vec<Record>>,
        mut resume: Option<Resume<'_>>,
        report: &mut ImportReport,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(), ApiError> {
        let (ctx, options, total) = (self.ctx, self.options, self.total);
        let mut seen = Seen::default();
        let mut skip = resume.as_ref().map_or(0, |r| r.rows_done);
        let mut done = 0;
        while let Some(mut chunk) = chunks.recv().await {
            let already = chunk.len().min(usize::try_from(skip).unwrap_or(usize::MAX));
            for record in chunk.drain(..already) {
                remember::<K>(options, &mut seen, &record);
            }
            skip -= already as u64;
            done += already as u64;
            if chunk.is_empty() {
                continue;
            }
            let before = report.rows.len();
            let tx = import_chunk::<K>(ctx, options, &mut seen, chunk, report).await?;
            done += (report.rows.len() - before) as u64;
            match resume.as_mut() {
                None if options.dry_run => drop(tx),
                None => tx.commit().await?,
                Some(resume) => {
                    let tx = if options.dry_run {
                        drop(tx);
                        ctx.store.begin().await?
                    } else {
                        tx
                    };
                    let rows = &report.rows[before..];
                    resume.checkpoint.chunk(&tx, rows, done, total).await?;
                    tx.commit().await?;
                    report.rows.clear();
                }
            }
            progress(done, total);
        }
        Ok(())
    }
}

/// Reads a row into kind `K` and claims its keys (a key a row before it used refuses it).
fn read_row<K: RowKind>(
    options: &ImportOptions,
    seen: &mut Seen,
    record: &Record,
) -> Result<K::Row, Refusal> {
    let cells = Cells {
        record,
        columns: K::COLUMNS,
        csv: options.format == super::Format::Csv,
    };
    K::read(&cells, options).and_then(|row| {
        seen.claim(record.line, &K::keys(&row))?;
        Ok(row)
    })
}

/// Claims the keys of a row a job already imported (a resumed job reads those rows again to
/// find the duplicates of the rows still to come), writing nothing.
fn remember<K: RowKind>(options: &ImportOptions, seen: &mut Seen, record: &Record) {
    let _ = read_row::<K>(options, seen, record);
}

/// Imports one chunk of rows of kind `K` in one transaction and hands the transaction back
/// uncommitted: the caller commits it (with the job's progress, when a job runs the import)
/// or, in a dry run, drops it, which rolls it back.
async fn import_chunk<K: RowKind>(
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    seen: &mut Seen,
    records: Vec<Record>,
    report: &mut ImportReport,
) -> Result<Tx, ApiError> {
    let rows: Vec<(u64, Result<K::Row, Refusal>)> = records
        .iter()
        .map(|record| (record.line, read_row::<K>(options, seen, record)))
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
    Ok(tx)
}
