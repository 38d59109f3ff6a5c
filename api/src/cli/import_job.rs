//! `rapport import --background FILE` and `rapport import --follow JOB`: an import as a job.
//! The file goes into the database with a QUEUED job; this command then follows the job with
//! the progress bar, running it itself whenever no other process holds it (the server's or a
//! `rapport worker`'s job loop may take it first: the command then only watches). Killed, the
//! command loses nothing: the job is taken up where it stopped by the next process that
//! claims it once its lease expires, such as `rapport import --follow JOB`.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;

use crate::auth::Caller;
use crate::config::Settings;
use crate::global_id::{self, Kind};
use crate::service::import::ImportOptions;
use crate::service::import_jobs::{JobRunner, start_import_job};
use crate::store::{ImportJobRow, Store, job_state};

/// How often a follower looks at a job another process runs.
const WATCH: Duration = Duration::from_millis(500);

/// Stores `file` as a job of `options` started by `caller`, then follows it.
pub(super) async fn start(
    settings: &Settings,
    store: &Store,
    caller: &Caller,
    options: &ImportOptions,
    file: &Path,
    report: Option<&Path>,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let registry = crate::providers::registry(settings)?;
    let providers: Vec<String> = registry.names().iter().map(|n| (*n).to_owned()).collect();
    let request_id = format!("import-{}", uuid::Uuid::new_v4().simple());
    let ctx = crate::service::Ctx {
        store,
        caller,
        request_id: &request_id,
        now: chrono::Utc::now(),
        providers: &providers,
        registry: Some(&registry),
    };
    let name = file
        .file_name()
        .map_or_else(|| "import".to_owned(), |n| n.to_string_lossy().into_owned());
    let job = start_import_job(&ctx, options, &name, bytes)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let id = global_id::encode(Kind::ImportJob, job.id);
    eprintln!(
        "import job {id} started (job {}); if this command stops, the job goes on in the server or `rapport worker`, or follow it again with: rapport import --follow {id}",
        job.id
    );
    follow_job(settings, store, job.id, report).await
}

/// `--follow JOB`: the job's global id or its number.
pub(super) async fn follow(
    settings: &Settings,
    store: &Store,
    job: &str,
    report: Option<&Path>,
) -> anyhow::Result<()> {
    let id = global_id::decode(Kind::ImportJob, job)
        .or_else(|| job.parse::<i64>().ok().filter(|n| *n > 0))
        .with_context(|| format!("--follow {job}: not an import job id"))?;
    follow_job(settings, store, id, report).await
}

fn ended(job: &ImportJobRow) -> bool {
    [
        job_state::SUCCEEDED,
        job_state::FAILED,
        job_state::CANCELLED,
    ]
    .contains(&job.state.as_str())
}

async fn follow_job(
    settings: &Settings,
    store: &Store,
    id: i64,
    report: Option<&Path>,
) -> anyhow::Result<()> {
    let registry = Arc::new(crate::providers::registry(settings)?);
    let runner = JobRunner::new(
        store.clone(),
        registry,
        Duration::from_secs(settings.imports.lease_secs),
    );
    let bar = Arc::new(super::import::progress_bar());
    // Without a terminal: a line at each tenth of the file.
    let tenth = Arc::new(AtomicU64::new(0));
    let show = {
        let (bar, tenth) = (Arc::clone(&bar), Arc::clone(&tenth));
        move |done: u64, total: u64| {
            if let Some(bar) = bar.as_ref() {
                bar.set_length(total);
                bar.set_position(done);
            } else if let Some(now) = (done * 10).checked_div(total)
                && tenth.swap(now, Ordering::Relaxed) != now
            {
                eprintln!("import job {id}: {done}/{total} rows");
            }
        }
    };
    let started = std::time::Instant::now();
    let job = loop {
        runner
            .run_once(Some(id), &show)
            .await
            .context("cannot reach the database")?;
        let job = store
            .import_job(id)
            .await?
            .with_context(|| format!("no import job {id}"))?;
        show(
            u64::try_from(job.rows_done).unwrap_or(0),
            job.rows_total
                .and_then(|t| u64::try_from(t).ok())
                .unwrap_or(0),
        );
        if ended(&job) {
            break job;
        }
        tokio::time::sleep(WATCH).await;
    };
    if let Some(bar) = bar.as_ref() {
        bar.finish_and_clear();
    }
    let mut err = std::io::stderr().lock();
    let mut after = 0;
    loop {
        let rows = store.import_job_errors(id, after, 1_000).await?;
        let Some(last) = rows.last() else { break };
        after = last.line;
        for row in &rows {
            writeln!(
                err,
                "line {}: REFUSED {}: {}",
                row.line, row.field, row.reason
            )?;
        }
    }
    writeln!(
        err,
        "import job {id} {}: {} rows in {:.1} s: {} created, {} updated, {} unchanged, {} refused",
        job.state,
        job.rows_done,
        started.elapsed().as_secs_f64(),
        job.created,
        job.updated,
        job.unchanged,
        job.refused
    )?;
    if let Some(path) = report {
        write_errors(store, id, path).await?;
        writeln!(err, "the refused rows are in {}", path.display())?;
    }
    match job.state.as_str() {
        s if s == job_state::SUCCEEDED => Ok(()),
        s if s == job_state::FAILED => {
            anyhow::bail!("import job {id} failed: {}", job.error.unwrap_or_default())
        }
        _ => anyhow::bail!("import job {id} was cancelled"),
    }
}

async fn write_errors(store: &Store, id: i64, path: &Path) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_path(path)
        .with_context(|| format!("cannot write the report to {}", path.display()))?;
    out.write_record(["line", "outcome", "id", "field", "reason"])?;
    let mut after = 0;
    loop {
        let rows = store.import_job_errors(id, after, 1_000).await?;
        let Some(last) = rows.last() else { break };
        after = last.line;
        for row in &rows {
            out.write_record([
                &row.line.to_string(),
                "REFUSED",
                "",
                &row.field,
                &row.reason,
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}
