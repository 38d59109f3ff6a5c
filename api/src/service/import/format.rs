//! Reading an import file: CSV (RFC 4180, UTF-8 with or without a byte-order mark, a header
//! row) or JSON Lines (one object per line; lists and JSON only in the columns that take
//! them, as an export writes them). Pure: bytes in, records out, nothing else.
//!
//! Bounds, so a hostile or broken file gets a clear answer instead of filling memory: a record
//! is at most [`MAX_RECORD_BYTES`] (a longer line is refused by number without reading it
//! whole), a file at most [`MAX_ROWS`] records.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

/// The longest record accepted: 1 MiB.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The most records one import takes: 1,000,000 (split larger files).
pub const MAX_ROWS: usize = 1_000_000;

/// The formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV with a header row.
    Csv,
    /// JSON Lines: one object per line, keys are column names.
    JsonLines,
}

impl Format {
    /// The format a file name's extension says (`.csv`, `.jsonl`, `.ndjson`), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Self::JsonLines)
        } else {
            None
        }
    }

    /// Parses `CSV` / `JSONL` (any case).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_uppercase().as_str() {
            "CSV" => Some(Self::Csv),
            "JSONL" | "JSON_LINES" | "NDJSON" => Some(Self::JsonLines),
            _ => None,
        }
    }
}

/// Why a file cannot be read. Each names where: nothing of a file that fails is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not UTF-8.
    #[error("line {line}: not valid UTF-8 (byte {byte} of the file); save the file as UTF-8")]
    Encoding {
        /// The line.
        line: u64,
        /// The offset of the first bad byte in the file.
        byte: u64,
    },
    /// A record longer than [`MAX_RECORD_BYTES`].
    #[error(
        "line {line}: a record longer than {MAX_RECORD_BYTES} bytes (1 MiB); is a quote left open?"
    )]
    TooLong {
        /// The line the record starts on.
        line: u64,
    },
    /// More than [`MAX_ROWS`] records.
    #[error("the file has more than {MAX_ROWS} rows; split it into smaller files")]
    TooManyRows,
    /// A CSV record with another number of fields than the header.
    #[error(
        "line {line}: {found} fields where the header has {expected} (a broken quote, or a stray separator?)"
    )]
    FieldCount {
        /// The line.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in the record.
        found: usize,
    },
    /// The header is missing or names a column twice.
    #[error("header: {0}")]
    Header(String),
    /// Columns this kind of import does not know.
    #[error("unknown columns: {}; the columns are: {}", .unknown.join(", "), .known.join(", "))]
    UnknownColumns {
        /// The unknown names, as the file has them.
        unknown: Vec<String>,
        /// The names this kind takes.
        known: Vec<&'static str>,
    },
    /// A JSON Lines line that is not a flat JSON object.
    #[error("line {line}: {reason}")]
    Json {
        /// The line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(String),
}

/// One record: its line in the file and a value per known column (`None`: not in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line the record starts on (1 is the CSV header).
    pub line: u64,
    /// Values in the order of the kind's column list.
    pub values: Vec<Option<String>>,
}

impl Record {
    /// The value of `column` (trimmed; empty cells are `Some("")`), or `None` when the file has
    /// no such column.
    pub fn get(&self, columns: &[&str], column: &str) -> Option<&str> {
        let i = columns.iter().position(|c| *c == column)?;
        self.values.get(i)?.as_deref().map(str::trim)
    }
}

/// Columns whose JSON Lines value may be a list of texts (read as a `;`-separated cell).
const LIST_COLUMNS: &[&str] = &["domain", "domains", "phones", "tags"];

/// Columns whose JSON Lines value may be any JSON (read as its JSON text).
const JSON_COLUMNS: &[&str] = &["custom_fields"];

/// Source column names renamed to ours (`--mapping "E-mail=email"`).
pub type Mapping = Vec<(String, String)>;

/// Counts bytes pulled from the file and refuses to go more than [`MAX_RECORD_BYTES`] past the
/// start of the record being read, so a 1 GB line is never held in memory. Also notes where
/// the line breaks are, for the line numbers of the report (the CSV reader's own count lags
/// by one after a CRLF line end).
#[derive(Debug)]
struct Bounded<R> {
    inner: R,
    pulled: Rc<Cell<u64>>,
    record_start: Rc<Cell<u64>>,
    lines: Rc<RefCell<Lines>>,
}

/// Line breaks seen so far: those before the last record asked about are only counted.
#[derive(Debug, Default)]
struct Lines {
    counted: u64,
    ahead: VecDeque<u64>,
}

impl Lines {
    /// The line of the record whose first byte is at `start` (a CRLF's `\n` counts as the
    /// break before it).
    fn line_at(&mut self, start: u64) -> u64 {
        while self.ahead.front().is_some_and(|p| *p <= start) {
            self.ahead.pop_front();
            self.counted += 1;
        }
        self.counted + 1
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let limit = u64::try_from(MAX_RECORD_BYTES).unwrap_or(u64::MAX) + 64 * 1024;
        if self.pulled.get() - self.record_start.get() > limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "record too long",
            ));
        }
        let n = self.inner.read(buf)?;
        let at = self.pulled.get();
        let mut lines = self.lines.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                lines.ahead.push_back(at + i as u64);
            }
        }
        self.pulled.set(at + n as u64);
        Ok(n)
    }
}

fn resolve_header(
    names: Vec<String>,
    columns: &[&'static str],
    mapping: &Mapping,
) -> Result<Vec<Option<usize>>, FormatError> {
    let mut unknown = Vec::new();
    let mut seen = vec![false; columns.len()];
    let mut positions = Vec::with_capacity(names.len());
    for (n, raw) in names.into_iter().enumerate() {
        let name = if n == 0 {
            raw.trim_start_matches('\u{feff}').trim().to_owned()
        } else {
            raw.trim().to_owned()
        };
        let ours = mapping
            .iter()
            .find(|(from, _)| *from == name)
            .map_or(name.as_str(), |(_, to)| to.as_str());
        match columns.iter().position(|c| *c == ours) {
            Some(i) if seen[i] => {
                return Err(FormatError::Header(format!(
                    "the column {ours} appears twice"
                )));
            }
            Some(i) => {
                seen[i] = true;
                positions.push(Some(i));
            }
            None => {
                unknown.push(name);
                positions.push(None);
            }
        }
    }
    if !unknown.is_empty() {
        return Err(FormatError::UnknownColumns {
            unknown,
            known: columns.to_vec(),
        });
    }
    Ok(positions)
}

/// Reads every record of `input`, calling `each` with it; stops at the first format error.
/// The columns are the kind's list; `mapping` renames the file's names first.
pub fn read_records<R: Read>(
    input: R,
    format: Format,
    columns: &[&'static str],
    mapping: &Mapping,
    mut each: impl FnMut(Record) -> Result<(), FormatError>,
) -> Result<u64, FormatError> {
    match format {
        Format::Csv => read_csv(input, columns, mapping, &mut each),
        Format::JsonLines => read_jsonl(input, columns, mapping, &mut each),
    }
}

fn read_csv<R: Read>(
    input: R,
    columns: &[&'static str],
    mapping: &Mapping,
    each: &mut impl FnMut(Record) -> Result<(), FormatError>,
) -> Result<u64, FormatError> {
    let pulled = Rc::new(Cell::new(0));
    let record_start = Rc::new(Cell::new(0));
    let lines = Rc::new(RefCell::new(Lines::default()));
    let bounded = Bounded {
        inner: input,
        pulled: Rc::clone(&pulled),
        record_start: Rc::clone(&record_start),
        lines: Rc::clone(&lines),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bounded);
    let mut record = csv::ByteRecord::new();
    let mut positions: Option<Vec<Option<usize>>> = None;
    let mut rows: u64 = 0;
    let mut line: u64 = 1;
    loop {
        let read = reader.read_byte_record(&mut record);
        let end = reader.position().byte();
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, line)),
        }
        if let Some(pos) = record.position() {
            line = lines.borrow_mut().line_at(pos.byte());
        }
        record_start.set(end);
        if usize::try_from(end - record.position().map_or(0, csv::Position::byte))
            .unwrap_or(usize::MAX)
            > MAX_RECORD_BYTES
        {
            return Err(FormatError::TooLong { line });
        }
        let mut fields = Vec::with_capacity(record.len());
        for (i, raw) in record.iter().enumerate() {
            let text = std::str::from_utf8(raw).map_err(|e| {
                let start = record.position().map_or(0, csv::Position::byte);
                let before: usize = record.iter().take(i).map(<[u8]>::len).sum();
                FormatError::Encoding {
                    line,
                    byte: start + (before + e.valid_up_to()) as u64,
                }
            })?;
            fields.push(text.to_owned());
        }
        match &positions {
            None => {
                if fields.iter().all(|f| f.trim().is_empty()) {
                    return Err(FormatError::Header(
                        "the first line must name the columns".into(),
                    ));
                }
                positions = Some(resolve_header(fields, columns, mapping)?);
            }
            Some(pos) => {
                if fields.len() == 1 && fields[0].is_empty() {
                    continue;
                }
                if fields.len() != pos.len() {
                    return Err(FormatError::FieldCount {
                        line,
                        expected: pos.len(),
                        found: fields.len(),
                    });
                }
                rows += 1;
                if rows > MAX_ROWS as u64 {
                    return Err(FormatError::TooManyRows);
                }
                let mut values = vec![None; columns.len()];
                for (value, at) in fields.into_iter().zip(pos) {
                    if let Some(at) = at {
                        values[*at] = Some(value);
                    }
                }
                each(Record { line, values })?;
            }
        }
    }
    if positions.is_none() {
        return Err(FormatError::Header("the file is empty".into()));
    }
    Ok(rows)
}

fn csv_error(e: &csv::Error, line: u64) -> FormatError {
    let at = e.position().map_or(line, csv::Position::line);
    match e.kind() {
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            FormatError::TooLong { line: at + 1 }
        }
        csv::ErrorKind::Io(io) => FormatError::Io(io.to_string()),
        csv::ErrorKind::Utf8 { pos, err } => FormatError::Encoding {
            line: pos.as_ref().map_or(at, csv::Position::line),
            byte: pos.as_ref().map_or(0, csv::Position::byte) + err.valid_up_to() as u64,
        },
        other => FormatError::Io(format!("{other:?}")),
    }
}

fn read_jsonl<R: Read>(
    input: R,
    columns: &[&'static str],
    mapping: &Mapping,
    each: &mut impl FnMut(Record) -> Result<(), FormatError>,
) -> Result<u64, FormatError> {
    let mut reader = BufReader::new(input);
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    let mut offset: u64 = 0;
    let mut rows: u64 = 0;
    let limit = u64::try_from(MAX_RECORD_BYTES).unwrap_or(u64::MAX) + 1;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut buf)
            .map_err(|e| FormatError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        line += 1;
        if buf.last() != Some(&b'\n') && n as u64 == limit {
            return Err(FormatError::TooLong { line });
        }
        let start = offset;
        offset += n as u64;
        let mut bytes = buf.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| FormatError::Encoding {
            line,
            byte: start + e.valid_up_to() as u64,
        })?;
        if text.trim().is_empty() {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS as u64 {
            return Err(FormatError::TooManyRows);
        }
        let json = |reason: String| FormatError::Json { line, reason };
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| json(format!("not a JSON object: {e}")))?;
        let names: Vec<String> = object.keys().cloned().collect();
        let positions = resolve_header(names, columns, mapping)?;
        let mut values = vec![None; columns.len()];
        for ((key, value), at) in object.into_iter().zip(positions) {
            let text = match value {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                // As an export writes lists and structured cells: a list of texts in a list
                // column reads as the `;`-separated cell a CSV export writes, the JSON of a
                // JSON column as its text.
                serde_json::Value::Array(items)
                    if at.is_some_and(|i| LIST_COLUMNS.contains(&columns[i]))
                        && items.iter().all(serde_json::Value::is_string) =>
                {
                    items
                        .iter()
                        .filter_map(serde_json::Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";")
                }
                other if at.is_some_and(|i| JSON_COLUMNS.contains(&columns[i])) => {
                    other.to_string()
                }
                _ => {
                    return Err(json(format!(
                        "{key} must be a string, number, boolean or null (a list of texts for {}; JSON for {})",
                        LIST_COLUMNS.join(", "),
                        JSON_COLUMNS.join(", ")
                    )));
                }
            };
            if let Some(at) = at {
                values[at] = Some(text);
            }
        }
        each(Record { line, values })?;
    }
    Ok(rows)
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
