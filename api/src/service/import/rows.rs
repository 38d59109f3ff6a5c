//! What contact and account rows share: reading cells into domain values with the column named
//! on failure, and remembering keys already seen in the file (duplicates are reported, never
//! merged).

use std::collections::HashMap;

use rapport_domain::values::{ExternalRef, Text};

use super::{ImportOptions, Record};

/// A refused row: the column at fault and why.
pub(super) type Refusal = (String, String);

pub(super) fn refuse(field: &str, reason: impl Into<String>) -> Refusal {
    (field.to_owned(), reason.into())
}

/// One row's cells, by column name.
pub(super) struct Cells<'a> {
    pub record: &'a Record,
    pub columns: &'static [&'static str],
    /// The file is CSV: a cell an export neutralised (`'=…`) reads as it was before.
    pub csv: bool,
}

/// A CSV cell as it was before an export neutralised it: the `'` an export puts before a
/// cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is taken off again.
fn unneutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

impl Cells<'_> {
    /// `None`: no such column in the file; `Some("")`: an empty cell.
    pub fn raw(&self, column: &str) -> Option<&str> {
        let cell = self.record.get(self.columns, column)?;
        Some(if self.csv { unneutralised(cell) } else { cell })
    }

    /// A non-empty cell, or `None` for a missing column or an empty cell.
    pub fn value(&self, column: &str) -> Option<&str> {
        self.raw(column).filter(|v| !v.is_empty())
    }

    /// A short name: `None` when the column is missing, refused when present and blank.
    pub fn name(&self, column: &str) -> Result<Option<Text>, Refusal> {
        self.raw(column)
            .map(|v| Text::name(column, v).map_err(|e| refuse(column, e.message)))
            .transpose()
    }

    /// An optional value: `None` column missing, `Some(None)` empty cell (clears it).
    pub fn optional<T>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, rapport_domain::ValidationError>,
    ) -> Result<Option<Option<T>>, Refusal> {
        match self.raw(column) {
            None => Ok(None),
            Some("") => Ok(Some(None)),
            Some(v) => parse(v)
                .map(|t| Some(Some(t)))
                .map_err(|e| refuse(column, e.message)),
        }
    }

    /// The row's source system: its `external_source` cell, or the import's.
    pub fn source<'o>(&'o self, options: &'o ImportOptions) -> Option<&'o str> {
        self.value("external_source").or(options.source.as_deref())
    }

    /// The external id in `column`, read with the row's source.
    pub fn external(
        &self,
        options: &ImportOptions,
        column: &str,
    ) -> Result<Option<ExternalRef>, Refusal> {
        let Some(id) = self.value(column) else {
            return Ok(None);
        };
        let Some(source) = self.source(options) else {
            return Err(refuse(
                "external_source",
                format!(
                    "is required with {column} (a column, or the import's source such as --source hubspot)"
                ),
            ));
        };
        ExternalRef::parse(source, id)
            .map(Some)
            .map_err(|e| refuse(column, e.message))
    }
}

/// Keys the rows before this one used (external ids, email addresses, domains), with the line
/// of the first row that used each.
#[derive(Debug, Default)]
pub(super) struct Seen {
    keys: HashMap<String, u64>,
}

impl Seen {
    /// Refuses the row when a row before it used one of `keys`; otherwise remembers them.
    pub fn claim(&mut self, line: u64, keys: &[(&str, String)]) -> Result<(), Refusal> {
        for (field, key) in keys {
            if let Some(first) = self.keys.get(&format!("{field}\u{0}{key}")) {
                return Err(refuse(
                    field,
                    format!(
                        "repeats the {field} of line {first}: a possible duplicate, not merged"
                    ),
                ));
            }
        }
        for (field, key) in keys {
            self.keys.insert(format!("{field}\u{0}{key}"), line);
        }
        Ok(())
    }
}

/// How external ids read in the report: `source:id`.
pub(super) fn show(r: &ExternalRef) -> String {
    format!("{}:{}", r.source(), r.id())
}
