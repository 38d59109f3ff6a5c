//! `rapport import --kind contacts FILE`: runs an import (or a dry run) as a member of staff,
//! with a progress bar on a terminal, and prints the refused rows and the totals. A large file
//! (over `imports.background_bytes`), or any with `--background`, runs as an import job that
//! survives a restart; `--follow JOB` attaches to one (see `import_job`).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rapport_domain::permissions::Principal;

use crate::auth::Caller;
use crate::config::Settings;
use crate::service::import::{
    Format, ImportInput, ImportKind, ImportOptions, ImportReport, MatchBy, Outcome,
};
use crate::startup::open_store;

/// The arguments of `rapport import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds: accounts, contacts, measurements or team_members.
    #[arg(long, required_unless_present = "follow")]
    kind: Option<String>,
    /// The file: `.csv` (header row) or `.jsonl` (one JSON object per line).
    #[arg(required_unless_present = "follow")]
    file: Option<PathBuf>,
    /// Run the import as a background job (stored in the database, taken up where it stopped
    /// after a crash by this command, `rapport worker` or the server) and follow its progress.
    /// Files over `imports.background_bytes` always run as a job.
    #[arg(long, conflicts_with = "follow")]
    pub(super) background: bool,
    /// Follow (and, when no process holds it, run) the import job with this id, as
    /// `--background` printed it.
    #[arg(long, value_name = "JOB")]
    pub(super) follow: Option<String>,
    /// Report what would happen, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Rename a column of the file to ours: `--mapping "E-mail=email"` (repeat, or separate
    /// with commas).
    #[arg(long, value_delimiter = ',')]
    mapping: Vec<String>,
    /// Matching order, first hit wins: `id,external_id,email` (contacts),
    /// `id,external_id,domain` (accounts) or `subject,email` (team members); the defaults. Measurements match by their
    /// own identity and take none.
    #[arg(long = "match", value_delimiter = ',')]
    match_by: Vec<String>,
    /// The source system of rows without an `external_source` cell (e.g. `hubspot`).
    #[arg(long)]
    source: Option<String>,
    /// `csv` or `jsonl` (default: from the file's extension).
    #[arg(long)]
    format: Option<String>,
    /// Whose import it is: a member's subject (default: the bootstrap admin's).
    #[arg(long = "as")]
    subject: Option<String>,
    /// Also write the report of every row (of a job: every refused row) to this CSV file.
    #[arg(long)]
    pub(super) report: Option<PathBuf>,
}

fn options(args: &ImportArgs, file: &Path) -> anyhow::Result<ImportOptions> {
    let raw = args.kind.as_deref().unwrap_or_default();
    let kind = ImportKind::parse(raw).with_context(|| {
        format!("--kind {raw}: must be accounts, contacts, measurements or team_members")
    })?;
    let format = match &args.format {
        Some(f) => {
            Format::parse(f).with_context(|| format!("--format {f}: must be csv or jsonl"))?
        }
        None => Format::from_name(&file.to_string_lossy()).with_context(|| {
            format!(
                "{}: say --format csv or --format jsonl (the extension does not tell)",
                file.display()
            )
        })?,
    };
    let mut options = ImportOptions::new(kind, format);
    options.dry_run = args.dry_run;
    options.source.clone_from(&args.source);
    for pair in &args.mapping {
        let (from, to) = pair
            .split_once('=')
            .with_context(|| format!("--mapping {pair}: write it as source_column=our_column"))?;
        options
            .mapping
            .push((from.trim().to_owned(), to.trim().to_owned()));
    }
    if !args.match_by.is_empty() {
        options.match_by = args
            .match_by
            .iter()
            .map(|m| {
                MatchBy::parse(m).with_context(|| {
                    format!("--match {m}: must be id, external_id, email, domain or subject")
                })
            })
            .collect::<anyhow::Result<_>>()?;
    }
    Ok(options)
}

fn write_report(path: &Path, report: &ImportReport) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_path(path)
        .with_context(|| format!("cannot write the report to {}", path.display()))?;
    out.write_record(["line", "outcome", "id", "field", "reason"])?;
    for row in &report.rows {
        let (field, reason) = match &row.outcome {
            Outcome::Refused { field, reason } => (field.as_str(), reason.as_str()),
            _ => ("", ""),
        };
        let id = row.id.map(|id| id.to_string()).unwrap_or_default();
        out.write_record([
            &row.line.to_string(),
            row.outcome.as_str(),
            &id,
            field,
            reason,
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// The progress bar (rows done of the file's), on a terminal only.
pub(super) fn progress_bar() -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} rows ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Runs `rapport import`.
///
/// # Errors
/// Bad arguments, an unreadable or refused file, an unknown member, an unreachable database.
pub async fn run(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    if let Some(job) = &args.follow {
        let store = open_store(settings, true).await?;
        let result = super::import_job::follow(settings, &store, job, args.report.as_deref()).await;
        store.close().await;
        return result;
    }
    let file = args.file.clone().context("FILE is required")?;
    let options = options(&args, &file)?;
    let store = open_store(settings, true).await?;
    let subject = args
        .subject
        .clone()
        .unwrap_or_else(|| settings.auth.bootstrap_admin_subject.clone());
    let member = store
        .team_member_by_subject(&subject)
        .await?
        .with_context(|| format!("no team member has the subject `{subject}`"))?;
    anyhow::ensure!(member.active, "team member `{subject}` is deactivated");
    let caller = Caller {
        principal: Principal::Staff {
            member: member.id,
            role: member.role,
        },
        subject: subject.clone(),
        token_id: "cli".into(),
    };
    let size = std::fs::metadata(&file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let threshold = settings.imports.background_bytes;
    if args.background || (threshold > 0 && size > threshold) {
        let result = super::import_job::start(
            settings,
            &store,
            &caller,
            &options,
            &file,
            args.report.as_deref(),
        )
        .await;
        store.close().await;
        return result;
    }
    let registry = crate::providers::registry(settings)?;
    let providers: Vec<String> = registry.names().iter().map(|n| (*n).to_owned()).collect();
    let request_id = format!("import-{}", uuid::Uuid::new_v4().simple());
    let ctx = crate::service::Ctx {
        store: &store,
        caller: &caller,
        request_id: &request_id,
        now: chrono::Utc::now(),
        providers: &providers,
        registry: Some(&registry),
    };
    let bar = progress_bar();
    let started = std::time::Instant::now();
    let result = crate::service::import::import(
        &ctx,
        &options,
        ImportInput::File(file.clone()),
        |done, total| {
            if let Some(bar) = &bar {
                bar.set_length(total);
                bar.set_position(done);
            }
        },
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    store.close().await;
    let report = result.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut err = std::io::stderr().lock();
    for row in &report.rows {
        if let Outcome::Refused { field, reason } = &row.outcome {
            writeln!(err, "line {}: REFUSED {field}: {reason}", row.line)?;
        }
    }
    writeln!(
        err,
        "{}{} rows in {:.1} s: {} created, {} updated, {} unchanged, {} refused",
        if report.dry_run {
            "dry run, nothing changed: "
        } else {
            ""
        },
        report.rows.len(),
        started.elapsed().as_secs_f64(),
        report.created,
        report.updated,
        report.unchanged,
        report.refused
    )?;
    if let Some(path) = &args.report {
        write_report(path, &report)?;
        writeln!(err, "the report of every row is in {}", path.display())?;
    }
    Ok(())
}
