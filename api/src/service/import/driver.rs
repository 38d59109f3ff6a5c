//! The row loop every kind of import shares. A kind only says how to read a row, what a chunk
//! of rows may match (looked up once per chunk), how to plan one row, and how to write the
//! rows it planned together (see `batch`) or apply one on its own; the driver reads the cells,
//! refuses keys repeated within the file, opens one transaction per chunk, writes the planned
//! rows with multi-row statements and applies the others each in a savepoint (a row that fails
//! leaves nothing behind), turns what a use-case step said no with into a refusal naming the
//! column, and rolls the chunk back in a dry run. The chunk's audit rows, outbox events and
//! sync jobs are collected as it goes and written at its end, a few statements for all of
//! them, in its transaction. An import run as a job (`Resume`) skips the rows a killed run
//! already committed, reading them only to remember their keys, and writes the job's progress
//! in each chunk's own transaction.

use std::future::Future;

use tokio::sync::mpsc::Receiver;

use super::rows::{Cells, Refusal, Seen};
use super::{ImportOptions, ImportReport, Outcome, Record, Resume, RowReport};
use crate::error::ApiError;
use crate::service::Ctx;
use crate::store::{Grown, GrowthWatch, Tx};

/// What applying one row did: the outcome and the record's id, or the row's refusal.
pub(super) type Applied = Result<(Outcome, Option<i64>), Refusal>;

/// What planning a row decided, before anything is written.
pub(super) enum Plan<R, W> {
    /// Decided without writing: refused, or found unchanged.
    Done(Applied),
    /// To be applied on its own, in its savepoint ([`RowKind::apply`]).
    Alone(R),
    /// To be written with the chunk's other such rows ([`RowKind::write`]).
    Batch(W),
}

/// One kind of import row.
pub(super) trait RowKind {
    /// A row as read from its cells.
    type Row: Send + Sync;
    /// A row's write, checked and authorized, that goes with others in multi-row statements.
    type Write: Send + Sync + Clone;
    /// What a chunk's rows may match, looked up once for the chunk.
    type Found: Send;

    /// The columns a file of this kind may have.
    const COLUMNS: &'static [&'static str];

    /// The table its new rows grow, whose planner statistics the import keeps fresh
    /// ([`GrowthWatch`]): the next chunks' look-ups read it.
    const GROWS: Grown;

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

    /// Decides what a row does, reading but writing nothing. By default every row is applied
    /// on its own.
    fn plan(
        _tx: &Tx,
        _ctx: &Ctx<'_>,
        _options: &ImportOptions,
        _found: &mut Self::Found,
        row: Self::Row,
    ) -> impl Future<Output = Result<Plan<Self::Row, Self::Write>, ApiError>> + Send {
        async move { Ok(Plan::Alone(row)) }
    }

    /// Writes planned rows together, returning each one's outcome and id in order. An error
    /// undoes them all; each is then written again on its own, so only the row at fault is
    /// refused.
    fn write(
        _tx: &Tx,
        _ctx: &Ctx<'_>,
        _writes: Vec<Self::Write>,
    ) -> impl Future<Output = Result<Vec<(Outcome, Option<i64>)>, ApiError>> + Send {
        async { Ok(Vec::new()) }
    }

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
        // A dry run writes nothing, so it grows nothing.
        // The refresh only speeds the next chunks up: when it cannot be done, the import goes
        // on as it would have without it.
        let mut growth = if options.dry_run {
            None
        } else {
            GrowthWatch::start(ctx.store, K::GROWS, super::CHUNK as u64)
                .await
                .unwrap_or_else(|err| {
                    tracing::warn!(error = %err, "could not read the planner's statistics; the import goes on without refreshing them");
                    None
                })
        };
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
            let created = report.created;
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
            if let Some(growth) = growth.as_mut()
                && let Err(err) = growth.added(ctx.store, report.created - created).await
            {
                tracing::warn!(error = %err, "could not refresh the planner's statistics; the import goes on");
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
    let tx = ctx.store.begin().await?.defer_history();
    let readable: Vec<&K::Row> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    let mut found = K::look_up(&tx, ctx, &readable).await?;
    drop(readable);
    let mut planned = Vec::with_capacity(rows.len());
    let mut writes = Vec::new();
    for (line, row) in rows {
        let plan = match row {
            Err(refusal) => Plan::Done(Err(refusal)),
            Ok(row) => match K::plan(&tx, ctx, options, &mut found, row).await {
                Ok(Plan::Batch(write)) => {
                    writes.push(write);
                    Plan::Batch(writes.len() - 1)
                }
                Ok(Plan::Alone(row)) => Plan::Alone(row),
                Ok(Plan::Done(applied)) => Plan::Done(applied),
                Err(err) => Plan::Done(Err(K::refusal(err)?)),
            },
        };
        planned.push((line, plan));
    }
    let mut written = batch::<K>(&tx, ctx, writes).await?.into_iter();
    for (line, plan) in planned {
        let applied = match plan {
            Plan::Done(applied) => applied,
            Plan::Batch(_) => written.next().ok_or_else(|| {
                ApiError::Internal("a batch of import rows lost a row's outcome".into())
            })?,
            Plan::Alone(row) => alone::<K>(&tx, ctx, options, &mut found, row).await?,
        };
        let (outcome, id) = match applied {
            Ok(done) => done,
            Err((field, reason)) => (Outcome::Refused { field, reason }, None),
        };
        // A dry run's new ids were rolled back with it: they name nothing.
        let id = id.filter(|_| !(options.dry_run && outcome == Outcome::Create));
        report.push(RowReport { line, outcome, id });
    }
    K::finish(&tx, ctx, found).await?;
    tx.flush_deferred().await?;
    Ok(tx)
}

/// Applies one row in its own savepoint: a row that fails leaves nothing behind.
async fn alone<K: RowKind>(
    tx: &Tx,
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    found: &mut K::Found,
    row: K::Row,
) -> Result<Applied, ApiError> {
    let point = tx.savepoint().await?;
    Ok(match K::apply(&point, ctx, options, found, row).await {
        Ok(Ok(done)) => {
            point.release(tx).await?;
            Ok(done)
        }
        Ok(Err(refusal)) => Err(refusal),
        Err(err) => Err(K::refusal(err)?),
    })
}

/// Writes the chunk's planned rows together in one savepoint. Should that fail (a unique
/// index a concurrent writer got to first, say), it is undone and each row is written again
/// in a savepoint of its own, so that only the row at fault is refused, naming its column.
async fn batch<K: RowKind>(
    tx: &Tx,
    ctx: &Ctx<'_>,
    writes: Vec<K::Write>,
) -> Result<Vec<Applied>, ApiError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let point = tx.savepoint().await?;
    match K::write(&point, ctx, writes.clone()).await {
        Ok(done) if done.len() == writes.len() => {
            point.release(tx).await?;
            return Ok(done.into_iter().map(Ok).collect());
        }
        Ok(_) => {
            return Err(ApiError::Internal(
                "a batch of import rows lost a row's outcome".into(),
            ));
        }
        Err(err) => {
            drop(point);
            tracing::debug!(error = %err, rows = writes.len(), "import batch refused; writing its rows one by one");
        }
    }
    let mut applied = Vec::with_capacity(writes.len());
    for write in writes {
        let point = tx.savepoint().await?;
        applied.push(match K::write(&point, ctx, vec![write]).await {
            Ok(mut done) if done.len() == 1 => {
                point.release(tx).await?;
                Ok(done.remove(0))
            }
            Ok(_) => {
                return Err(ApiError::Internal(
                    "a batch of import rows lost a row's outcome".into(),
                ));
            }
            Err(err) => Err(K::refusal(err)?),
        });
    }
    Ok(applied)
}
