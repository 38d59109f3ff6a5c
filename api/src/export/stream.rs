//! The export as a sequence of byte chunks: each call reads the next keyset chunk of rows
//! (by id, after the last row written) and encodes it. The HTTP handler turns the calls into a
//! streamed body and the command line writes them to a file, so neither holds more than two
//! chunks however many rows there are.
//!
//! Reading and encoding overlap: while one chunk is turned into fields and encoded on a
//! blocking thread, the next chunk is read from the database (whose own work runs in its
//! connection's thread on SQLite, in its server on PostgreSQL), so an export uses a second
//! core instead of waiting for each statement in turn.

use super::cell::Field;
use super::{ExportKind, ExportQuery, Format, View, columns};
use crate::auth::ReadScope;
use crate::store::{
    AccountExportRow, AgreementExportRow, ContactExportRow, CreditExportRow, MeasurementExportRow,
    Store, StoreError,
};

/// Rows read per statement: large enough that the round trips do not count, small enough that
/// a chunk stays a few hundred kilobytes.
pub const CHUNK_ROWS: u64 = 1000;

/// One chunk of rows as the store reads them.
enum Rows {
    Accounts(Vec<AccountExportRow>),
    Contacts(Vec<ContactExportRow>),
    Agreements(Vec<AgreementExportRow>),
    Measurements(Vec<MeasurementExportRow>),
    Credits(Vec<CreditExportRow>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Accounts(r) => r.len(),
            Rows::Contacts(r) => r.len(),
            Rows::Agreements(r) => r.len(),
            Rows::Measurements(r) => r.len(),
            Rows::Credits(r) => r.len(),
        }
    }

    /// The id of the last row, where the next chunk starts.
    fn last_id(&self) -> Option<i64> {
        match self {
            Rows::Accounts(r) => r.last().map(|r| r.id),
            Rows::Contacts(r) => r.last().map(|r| r.id),
            Rows::Agreements(r) => r.last().map(|r| r.agreement.id().get()),
            Rows::Measurements(r) => r.last().map(|r| r.id),
            Rows::Credits(r) => r.last().map(|r| r.id),
        }
    }

    /// Every row as its fields (every column of the kind).
    fn fields(self, view: View) -> Result<Vec<Vec<Field>>, StoreError> {
        Ok(match self {
            Rows::Accounts(rows) => rows.into_iter().map(columns::account).collect(),
            Rows::Contacts(rows) => rows
                .into_iter()
                .map(|r| {
                    let id = r.id;
                    columns::contact(r).map_err(|e| StoreError::corrupt("contacts", id, e))
                })
                .collect::<Result<_, _>>()?,
            Rows::Agreements(rows) => rows
                .into_iter()
                .map(|r| columns::agreement(r, view))
                .collect(),
            Rows::Measurements(rows) => rows.into_iter().map(columns::measurement).collect(),
            Rows::Credits(rows) => rows.into_iter().map(columns::credit).collect(),
        })
    }
}

/// How a chunk is written.
#[derive(Debug, Clone, Copy)]
struct Encoding {
    kind: ExportKind,
    view: View,
    format: Format,
    /// Whether the CSV header goes first.
    header: bool,
}

impl Encoding {
    /// The chunk's bytes and its row count.
    fn encode(self, rows: Rows) -> Result<(Vec<u8>, u64), StoreError> {
        let (kind, view) = (self.kind, self.view);
        let records = rows.fields(view)?;
        let count = records.len() as u64;
        let mut out = Vec::with_capacity(records.len() * 160 + 256);
        let names = columns::names(kind, view);
        match self.format {
            Format::Csv => {
                let mut csv = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(&mut out);
                if self.header {
                    csv.write_record(&names).map_err(write_failed)?;
                }
                for fields in records {
                    for field in &columns::visible(kind, view, fields) {
                        csv.write_field(field.to_cell().as_bytes())
                            .map_err(write_failed)?;
                    }
                    // An empty record after the fields ends the row.
                    csv.write_record(std::iter::empty::<&[u8]>())
                        .map_err(write_failed)?;
                }
                csv.flush().map_err(|e| write_failed(e.into()))?;
            }
            Format::JsonLines => {
                for fields in records {
                    let fields = columns::visible(kind, view, fields);
                    out.push(b'{');
                    for (i, (name, field)) in names.iter().zip(fields).enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        serde_json::to_writer(&mut out, name).map_err(json_failed)?;
                        out.push(b':');
                        serde_json::to_writer(&mut out, &field.into_json()).map_err(json_failed)?;
                    }
                    out.extend_from_slice(b"}\n");
                }
            }
        }
        Ok((out, count))
    }
}

/// One export in progress.
pub struct Exporter {
    store: Store,
    scope: ReadScope,
    query: ExportQuery,
    format: Format,
    view: View,
    after: i64,
    started: bool,
    /// The last chunk was read (it was short).
    finished: bool,
    /// The chunk read while the one before it was encoded.
    ahead: Option<Rows>,
    rows: u64,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("query", &self.query)
            .field("format", &self.format)
            .field("after", &self.after)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl Exporter {
    /// An export of `query` within `scope`, showing the columns `view` allows.
    pub fn new(
        store: Store,
        scope: ReadScope,
        query: ExportQuery,
        format: Format,
        view: View,
    ) -> Self {
        Self {
            store,
            scope,
            query,
            format,
            view,
            after: 0,
            started: false,
            finished: false,
            ahead: None,
            rows: 0,
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next bytes of the export (the CSV header comes with the first), or `None` once every
    /// row was written.
    ///
    /// # Errors
    /// The database failed, or a stored row does not read back (the export is then incomplete
    /// and must not look finished).
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = match self.ahead.take() {
            Some(rows) => rows,
            None if self.finished => return Ok(None),
            None => self.read().await?,
        };
        if (rows.len() as u64) < CHUNK_ROWS {
            self.finished = true;
        }
        if let Some(last) = rows.last_id() {
            self.after = last;
        }
        let encoding = Encoding {
            kind: self.query.kind(),
            view: self.view,
            format: self.format,
            header: !self.started,
        };
        self.started = true;
        let encoded = tokio::task::spawn_blocking(move || encoding.encode(rows));
        if !self.finished {
            self.ahead = Some(self.read().await?);
        }
        let (out, count) = encoded
            .await
            .map_err(|e| StoreError::corrupt("export", "encoding", e))??;
        self.rows += count;
        Ok((!out.is_empty()).then_some(out))
    }

    /// The next chunk of rows.
    async fn read(&self) -> Result<Rows, StoreError> {
        let (store, scope, after) = (&self.store, self.scope, self.after);
        Ok(match &self.query {
            ExportQuery::Accounts(q) => {
                Rows::Accounts(store.export_accounts(scope, q, after, CHUNK_ROWS).await?)
            }
            ExportQuery::Contacts(q) => {
                Rows::Contacts(store.export_contacts(scope, q, after, CHUNK_ROWS).await?)
            }
            ExportQuery::Agreements(q) => {
                Rows::Agreements(store.export_agreements(scope, q, after, CHUNK_ROWS).await?)
            }
            ExportQuery::Measurements(q) => Rows::Measurements(
                store
                    .export_measurements(scope, q, after, CHUNK_ROWS)
                    .await?,
            ),
            ExportQuery::Credits(q) => {
                Rows::Credits(store.export_credits(scope, q, after, CHUNK_ROWS).await?)
            }
        })
    }
}

fn write_failed(e: csv::Error) -> StoreError {
    StoreError::corrupt("export", "csv", e)
}

fn json_failed(e: serde_json::Error) -> StoreError {
    StoreError::corrupt("export", "json", e)
}
