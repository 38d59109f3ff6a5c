//! The export as a sequence of byte chunks: each call reads the next keyset chunk of rows
//! (by id, after the last row written) and encodes it. The HTTP handler turns the calls into a
//! streamed body and the command line writes them to a file, so neither holds more than one
//! chunk however many rows there are.

use super::cell::Field;
use super::{ExportQuery, Format, View, columns};
use crate::auth::ReadScope;
use crate::store::{Store, StoreError};

/// Rows read per statement: large enough that the round trips do not count, small enough that
/// a chunk stays a few hundred kilobytes.
pub const CHUNK_ROWS: u64 = 1000;

/// One export in progress.
#[derive(Debug)]
pub struct Exporter {
    store: Store,
    scope: ReadScope,
    query: ExportQuery,
    format: Format,
    view: View,
    after: i64,
    started: bool,
    finished: bool,
    rows: u64,
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
        if self.finished {
            return Ok(None);
        }
        let (last, records) = self.read().await?;
        if (records.len() as u64) < CHUNK_ROWS {
            self.finished = true;
        }
        if let Some(last) = last {
            self.after = last;
        }
        let mut out = Vec::with_capacity(records.len() * 160 + 256);
        let kind = self.query.kind();
        let names = columns::names(kind, self.view);
        match self.format {
            Format::Csv => {
                let mut csv = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(&mut out);
                if !self.started {
                    csv.write_record(&names).map_err(write_failed)?;
                }
                for fields in records {
                    let fields = columns::visible(kind, self.view, fields);
                    for field in &fields {
                        csv.write_field(field.to_cell().as_bytes())
                            .map_err(write_failed)?;
                    }
                    // An empty record after the fields ends the row.
                    csv.write_record(std::iter::empty::<&[u8]>())
                        .map_err(write_failed)?;
                    self.rows += 1;
                }
                csv.flush().map_err(|e| write_failed(e.into()))?;
            }
            Format::JsonLines => {
                for fields in records {
                    let fields = columns::visible(kind, self.view, fields);
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
                    self.rows += 1;
                }
            }
        }
        self.started = true;
        Ok((!out.is_empty()).then_some(out))
    }

    /// The next chunk of rows as fields, with the id of its last row.
    async fn read(&self) -> Result<(Option<i64>, Vec<Vec<Field>>), StoreError> {
        let (store, scope, after) = (&self.store, self.scope, self.after);
        Ok(match &self.query {
            ExportQuery::Accounts(q) => {
                let rows = store.export_accounts(scope, q, after, CHUNK_ROWS).await?;
                let last = rows.last().map(|r| r.id);
                (last, rows.into_iter().map(columns::account).collect())
            }
            ExportQuery::Contacts(q) => {
                let rows = store.export_contacts(scope, q, after, CHUNK_ROWS).await?;
                let last = rows.last().map(|r| r.id);
                let fields = rows
                    .into_iter()
                    .map(|r| {
                        let id = r.id;
                        columns::contact(r).map_err(|e| StoreError::corrupt("contacts", id, e))
                    })
                    .collect::<Result<_, _>>()?;
                (last, fields)
            }
            ExportQuery::Agreements(q) => {
                let rows = store.export_agreements(scope, q, after, CHUNK_ROWS).await?;
                let last = rows.last().map(|r| r.agreement.id().get());
                let view = self.view;
                (
                    last,
                    rows.into_iter()
                        .map(|r| columns::agreement(r, view))
                        .collect(),
                )
            }
            ExportQuery::Measurements(q) => {
                let rows = store
                    .export_measurements(scope, q, after, CHUNK_ROWS)
                    .await?;
                let last = rows.last().map(|r| r.id);
                (last, rows.into_iter().map(columns::measurement).collect())
            }
            ExportQuery::Credits(q) => {
                let rows = store.export_credits(scope, q, after, CHUNK_ROWS).await?;
                let last = rows.last().map(|r| r.id);
                (last, rows.into_iter().map(columns::credit).collect())
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
