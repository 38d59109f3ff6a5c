//! Imports as background jobs. `start` stores the file and a QUEUED job and answers at once;
//! any process running the job loop (the server, `rapport worker`, or `rapport import
//! --background` itself) claims it under a lease and runs the same import `importRecords`
//! runs, chunk by chunk, each chunk's rows committed with the job's progress (see
//! `runner`). A job is seen by the member who started it and by admins.
//!
//! States: QUEUED → RUNNING → SUCCEEDED, FAILED (the file cannot be read, the member who
//! started it was deactivated or lost the right to import) or CANCELLED (by a person; rows
//! committed before stay). A RUNNING job whose process died is taken up again, where it
//! stopped, once its lease expires.

mod runner;

pub use runner::{JobRunner, RunOutcome};

use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::import::{Format, ImportKind, ImportOptions, MatchBy};
use crate::error::ApiError;
use crate::store::{ImportJobRow, NewImportJob};

/// A job's options as stored (JSON).
#[derive(Debug, Serialize, Deserialize)]
struct StoredOptions {
    dry_run: bool,
    mapping: Vec<(String, String)>,
    match_by: Vec<String>,
    source: Option<String>,
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Csv => "CSV",
        Format::JsonLines => "JSONL",
    }
}

fn match_name(m: MatchBy) -> &'static str {
    match m {
        MatchBy::Id => "id",
        MatchBy::ExternalId => "external_id",
        MatchBy::Email => "email",
        MatchBy::Domain => "domain",
        MatchBy::Subject => "subject",
    }
}

/// The import options a stored job runs with.
pub(crate) fn options_of(job: &ImportJobRow) -> Result<ImportOptions, String> {
    let kind = ImportKind::parse(&job.kind).ok_or_else(|| format!("unknown kind {}", job.kind))?;
    let format =
        Format::parse(&job.format).ok_or_else(|| format!("unknown format {}", job.format))?;
    let stored: StoredOptions =
        serde_json::from_str(&job.options).map_err(|e| format!("unreadable options: {e}"))?;
    let mut options = ImportOptions::new(kind, format);
    options.dry_run = stored.dry_run;
    options.mapping = stored.mapping;
    options.source = stored.source;
    options.match_by = stored
        .match_by
        .iter()
        .map(|m| MatchBy::parse(m).ok_or_else(|| format!("unknown match {m}")))
        .collect::<Result<_, _>>()?;
    Ok(options)
}

/// The member a staff caller is; imports are for people of the staff (a machine's key starts
/// no job: a job runs as the member who started it, checked again whenever it is taken up).
fn member_of(ctx: &Ctx<'_>) -> Result<i64, ApiError> {
    match ctx.caller.principal {
        Principal::Staff { member, .. } => Ok(member.get()),
        Principal::Service { .. } => Err(ApiError::bad_input(
            "caller",
            "import jobs are started by team members; a service account imports with importRecords",
        )),
        Principal::Partner { .. } => Err(ApiError::Forbidden),
    }
}

/// Starts a job importing `bytes` as `options` say (checked now: bad options are refused and
/// nothing is stored). The file itself is read by the job: a file that cannot be read fails
/// the job, with why.
pub async fn start_import_job(
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<ImportJobRow, ApiError> {
    let member = member_of(ctx)?;
    options.check()?;
    let stored = StoredOptions {
        dry_run: options.dry_run,
        mapping: options.mapping.clone(),
        match_by: options
            .match_by
            .iter()
            .map(|m| match_name(*m).to_owned())
            .collect(),
        source: options.source.clone(),
    };
    let job = NewImportJob {
        kind: options.kind.as_str().to_owned(),
        format: format_name(options.format).to_owned(),
        options: serde_json::to_string(&stored).map_err(|e| ApiError::Internal(Box::new(e)))?,
        file_name: file_name.chars().take(255).collect(),
        member,
        subject: ctx.caller.subject.clone(),
        bytes,
    };
    Ok(ctx.store.create_import_job(job, ctx.now).await?)
}

/// Whether the caller may see `job`: who started it, and admins.
fn may_see(ctx: &Ctx<'_>, job: &ImportJobRow) -> bool {
    match ctx.caller.principal {
        Principal::Staff { member, role } => {
            role == Role::Admin || member.get() == job.started_by_member
        }
        Principal::Service { role, .. } => role == Role::Admin,
        Principal::Partner { .. } => false,
    }
}

/// The job, if the caller may see it (otherwise as if it did not exist).
pub async fn import_job(ctx: &Ctx<'_>, id: i64) -> Result<Option<ImportJobRow>, ApiError> {
    Ok(ctx
        .store
        .import_job(id)
        .await?
        .filter(|job| may_see(ctx, job)))
}

/// A page of the jobs the caller may see, newest first: `limit` after the job `after`, and
/// whether more follow.
pub async fn import_jobs(
    ctx: &Ctx<'_>,
    after: Option<i64>,
    limit: u64,
) -> Result<(Vec<ImportJobRow>, bool), ApiError> {
    let member = match ctx.caller.principal {
        Principal::Staff {
            role: Role::Admin, ..
        }
        | Principal::Service {
            role: Role::Admin, ..
        } => None,
        Principal::Staff { member, .. } => Some(member.get()),
        Principal::Service { .. } | Principal::Partner { .. } => return Ok((Vec::new(), false)),
    };
    let mut jobs = ctx.store.import_jobs(member, after, limit + 1).await?;
    let more = jobs.len() as u64 > limit;
    jobs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((jobs, more))
}

/// Cancels a job that has not ended (who started it, or an admin). The rows it committed
/// stay, and its contacts still reach the sync providers.
pub async fn cancel_import_job(ctx: &Ctx<'_>, id: i64) -> Result<ImportJobRow, ApiError> {
    let Some(job) = import_job(ctx, id).await? else {
        return Err(ApiError::NotFound("import job"));
    };
    let bulk = bulk_providers(ctx.registry, ctx.providers);
    if !ctx.store.cancel_import_job(id, &bulk, ctx.now).await? {
        return Err(ApiError::Conflict(format!(
            "the import job has already ended ({})",
            job.state
        )));
    }
    ctx.store
        .import_job(id)
        .await?
        .ok_or(ApiError::NotFound("import job"))
}

/// The enabled providers with a bulk API: an import job's contacts reach them through a
/// backfill run over the job's contacts, not one queued job per contact.
pub(crate) fn bulk_providers(
    registry: Option<&rapport_integrations::Registry>,
    enabled: &[String],
) -> Vec<String> {
    enabled
        .iter()
        .filter(|name| {
            registry
                .and_then(|r| r.get(name))
                .is_some_and(|p| p.provider().bulk_page_size() > 0)
        })
        .cloned()
        .collect()
}
