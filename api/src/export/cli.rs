//! `rapport export`: the same export as `GET /export/...`, read with the system's scope (the
//! operator's own database: every row and every column), written to a file or to stdout.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use super::{ExportKind, Exporter, Format, View};
use crate::auth::ReadScope;
use crate::store::Store;

/// Writes the export of `kind` in `format`, filtered by `filter` (the GraphQL list's filter
/// input as JSON), to `out` (stdout when `None`); answers the number of rows written.
///
/// # Errors
/// An unknown kind or format, a bad filter (naming the field), a file that cannot be written,
/// or a database failure (the file is then incomplete, and the error says so).
pub async fn run(
    store: &Store,
    kind: &str,
    format: &str,
    filter: Option<&str>,
    out: Option<&Path>,
) -> anyhow::Result<u64> {
    let kind = ExportKind::parse(kind).with_context(|| {
        format!(
            "--kind must be one of {}",
            ExportKind::ALL.map(ExportKind::as_str).join(", ")
        )
    })?;
    let format = Format::parse(format).context("--format must be csv or jsonl")?;
    let filter = filter
        .map(|raw| serde_json::from_str(raw).context("--filter is not valid JSON"))
        .transpose()?;
    let query = crate::graphql::export_filter::query(kind, filter, chrono::Utc::now().date_naive())
        .map_err(|e| anyhow::anyhow!("--filter: {e}"))?;
    let mut exporter = Exporter::new(
        store.clone(),
        ReadScope::system(),
        query,
        format,
        View::everything(),
    );
    let mut sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    loop {
        match exporter.next_chunk().await {
            Ok(Some(bytes)) => sink.write_all(&bytes).context("cannot write the export")?,
            Ok(None) => break,
            Err(e) => {
                let _ = sink.flush();
                anyhow::bail!(
                    "the export stopped after {} rows and is incomplete: {e}",
                    exporter.rows()
                );
            }
        }
    }
    sink.flush().context("cannot write the export")?;
    Ok(exporter.rows())
}
