//! Bulk import of accounts, contacts, measurements and team members from CSV or JSON Lines.
//!
//! One code path for the dry run and the real run: rows are read (`format`), checked, matched
//! to existing records and written, 500 rows to a transaction. New contacts and accounts are
//! checked and authorized first and written together with multi-row statements; other rows
//! each inside their own savepoint. A row that fails leaves nothing behind while the others
//! are kept (a batch that fails is written again row by row). A dry run rolls each
//! transaction back instead of committing it, so its report is the real run's.

mod account_match;
mod account_new;
mod account_row;
mod accounts;
mod contact_match;
mod contact_row;
mod contacts;
mod driver;
pub mod format;
mod input;
mod kinds;
mod measurements;
mod own_id;
mod resume;
mod rows;
mod team_members;

use rapport_domain::permissions::Principal;

use super::Ctx;
use crate::error::ApiError;
pub use format::{Format, FormatError, MAX_RECORD_BYTES, MAX_ROWS, Mapping, Record};
pub use input::ImportInput;
pub use kinds::{ACCOUNT_COLUMNS, CONTACT_COLUMNS, ImportKind, MatchBy};
pub use measurements::MEASUREMENT_COLUMNS;
pub use resume::{Checkpoint, Resume};
pub use team_members::TEAM_MEMBER_COLUMNS;

/// How to run an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// What the file holds.
    pub kind: ImportKind,
    /// CSV or JSON Lines.
    pub format: Format,
    /// Report only; change nothing.
    pub dry_run: bool,
    /// The file's column names renamed to ours.
    pub mapping: Mapping,
    /// Matching order, first hit wins (default: external id, then email / domain).
    pub match_by: Vec<MatchBy>,
    /// The source system of rows without an `external_source` cell.
    pub source: Option<String>,
}

impl ImportOptions {
    /// A real run with the default matching order of `kind`.
    pub fn new(kind: ImportKind, format: Format) -> Self {
        Self {
            kind,
            format,
            dry_run: false,
            mapping: Vec::new(),
            match_by: kind.default_match(),
            source: None,
        }
    }

    /// Refuses a matching order the kind does not allow and a mapping to an unknown column.
    pub(crate) fn check(&self) -> Result<(), ApiError> {
        if self.match_by.iter().any(|m| !self.kind.may_match_by(*m)) {
            return Err(ApiError::bad_input("match", self.kind.match_rule()));
        }
        for (from, to) in &self.mapping {
            if !self.kind.columns().contains(&to.as_str()) {
                return Err(ApiError::bad_input(
                    "mapping",
                    format!(
                        "{from}={to}: {to} is not a column; the columns are: {}",
                        self.kind.columns().join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// What happened (or, in a dry run, would happen) to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new record.
    Create,
    /// An existing record changed.
    Update,
    /// An existing record already as the row says.
    Unchanged,
    /// Not imported: `field` is the column at fault (`row` for the row as a whole).
    Refused {
        /// The column.
        field: String,
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// `CREATE`, `UPDATE`, `UNCHANGED` or `REFUSED`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Unchanged => "UNCHANGED",
            Self::Refused { .. } => "REFUSED",
        }
    }
}

/// One row's line in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// The line the row starts on in the file.
    pub line: u64,
    /// What happened.
    pub outcome: Outcome,
    /// The record's id (created, updated or unchanged; in a dry run, `None` for creations).
    pub id: Option<i64>,
}

/// The whole report: a line per row and the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Rows in file order.
    pub rows: Vec<RowReport>,
    /// Rows that created a record.
    pub created: u64,
    /// Rows that changed a record.
    pub updated: u64,
    /// Rows that matched a record already as they say.
    pub unchanged: u64,
    /// Rows refused.
    pub refused: u64,
}

impl ImportReport {
    fn push(&mut self, row: RowReport) {
        match row.outcome {
            Outcome::Create => self.created += 1,
            Outcome::Update => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Refused { .. } => self.refused += 1,
        }
        self.rows.push(row);
    }

    /// Rows read so far.
    pub fn done(&self) -> u64 {
        self.rows.len() as u64
    }
}

/// Rows per transaction.
const CHUNK: usize = 500;

fn file_error(e: &FormatError) -> ApiError {
    ApiError::bad_input("file", e.to_string())
}

/// Reads the whole file once, so a broken file is refused before anything is written; returns
/// its row count.
async fn check_file(options: &ImportOptions, input: &ImportInput) -> Result<u64, ApiError> {
    let (input, format, kind, mapping) = (
        input.clone(),
        options.format,
        options.kind,
        options.mapping.clone(),
    );
    tokio::task::spawn_blocking(move || {
        let file = input.open().map_err(|e| FormatError::Io(e.to_string()))?;
        format::read_records(file, format, kind.columns(), &mapping, |_| Ok(()))
    })
    .await
    .map_err(|e| ApiError::Internal(Box::new(e)))?
    .map_err(|e| file_error(&e))
}

/// Imports `input` (or, with `dry_run`, reports what importing it would do). The file is
/// checked whole first: a file that cannot be read changes nothing. Then each row is created,
/// updated, found unchanged or refused on its own; `progress` hears (rows done, rows in the
/// file) after each transaction. Imports are for staff; each row is authorized as the same
/// change made through GraphQL would be.
pub async fn import(
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    input: ImportInput,
    progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ApiError> {
    import_from(ctx, options, input, None, progress).await
}

/// [`import`], taken up after `resume.rows_done` rows with each chunk's progress written by
/// `resume.checkpoint` in the chunk's transaction (how import jobs run). The report then holds
/// this run's totals and no rows: the job keeps them.
pub async fn import_from(
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    input: ImportInput,
    resume: Option<Resume<'_>>,
    progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ApiError> {
    if let Principal::Partner { .. } = ctx.caller.principal {
        return Err(ApiError::Forbidden);
    }
    options.check()?;
    let total = check_file(options, &input).await?;
    let (send, mut chunks) = tokio::sync::mpsc::channel::<Vec<Record>>(2);
    let (format, kind, mapping) = (options.format, options.kind, options.mapping.clone());
    let reader = tokio::task::spawn_blocking(move || {
        let file = input.open().map_err(|e| FormatError::Io(e.to_string()))?;
        let mut chunk = Vec::with_capacity(CHUNK);
        format::read_records(file, format, kind.columns(), &mapping, |record| {
            chunk.push(record);
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                send.blocking_send(full)
                    .map_err(|_| FormatError::Io("the import stopped".into()))?;
            }
            Ok(())
        })?;
        if !chunk.is_empty() {
            let _ = send.blocking_send(chunk);
        }
        Ok::<_, FormatError>(())
    });
    let mut report = ImportReport {
        dry_run: options.dry_run,
        ..ImportReport::default()
    };
    let run = driver::Run {
        ctx,
        options,
        total,
    };
    let (chunks, report_ref) = (&mut chunks, &mut report);
    match options.kind {
        ImportKind::Contacts => {
            run.rows::<contacts::Contacts>(chunks, resume, report_ref, progress)
                .await?;
        }
        ImportKind::Accounts => {
            run.rows::<accounts::Accounts>(chunks, resume, report_ref, progress)
                .await?;
        }
        ImportKind::Measurements => {
            run.rows::<measurements::Measurements>(chunks, resume, report_ref, progress)
                .await?;
        }
        ImportKind::TeamMembers => {
            run.rows::<team_members::TeamMembers>(chunks, resume, report_ref, progress)
                .await?;
        }
    }
    reader
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .map_err(|e| file_error(&e))?;
    Ok(report)
}

#[cfg(test)]
mod batch_tests;
#[cfg(test)]
mod statistics_tests;
#[cfg(test)]
mod tests;
