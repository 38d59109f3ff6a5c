//! Import jobs through GraphQL: `startImport` (the input of `importRecords`; answers the job at
//! once), `cancelImport`, `importJobs` (newest first) and `importJob(id)`, also reachable with
//! `node(id:)`. The member who started a job and admins see it; anyone else finds nothing.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::super::context::state;
use super::super::error::{GqlResultExt as _, gql};
use super::super::ids::to_id;
use super::super::pagination::{
    DEFAULT_PAGE, MAX_PAGE, PageInfo, cursor, decode_cursor, page_info,
};
use super::super::scalars::DateTimeScalar;
use super::{ImportFormat, ImportKindInput, ImportRecordsInput, read_input};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::import_jobs;
use crate::store::{ImportJobError, ImportJobRow};

/// Where an import job is.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ImportJobState {
    /// Waiting for a process (the server or `rapport worker`) to take it.
    Queued,
    /// Being imported (or, when its process died, waiting for its lease to expire to be
    /// taken up again where it stopped).
    Running,
    /// Every row handled (some may be refused: see `refused` and the error report).
    Succeeded,
    /// Stopped for good; `error` says why.
    Failed,
    /// Cancelled; rows committed before stay.
    Cancelled,
}

/// A refused row.
#[derive(SimpleObject, Debug)]
pub struct ImportJobRowError {
    /// The line the row starts on in the file.
    pub line: i64,
    /// The column at fault (`row` for the row as a whole).
    pub field: String,
    /// Why.
    pub reason: String,
}

impl From<ImportJobError> for ImportJobRowError {
    fn from(e: ImportJobError) -> Self {
        Self {
            line: e.line,
            field: e.field,
            reason: e.reason,
        }
    }
}

/// An import run in the background.
#[derive(Debug, Clone)]
pub struct ImportJobNode(pub ImportJobRow);

/// An import run in the background: its state, progress and totals. Its full error report is
/// `errorReportUrl` (CSV, with the same token).
#[Object(name = "ImportJob")]
impl ImportJobNode {
    /// Global id of the job.
    pub async fn id(&self) -> ID {
        to_id(Kind::ImportJob, self.0.id)
    }
    /// What the file holds.
    async fn kind(&self) -> Option<ImportKindInput> {
        match self.0.kind.as_str() {
            "accounts" => Some(ImportKindInput::Accounts),
            "contacts" => Some(ImportKindInput::Contacts),
            "measurements" => Some(ImportKindInput::Measurements),
            "team_members" => Some(ImportKindInput::TeamMembers),
            _ => None,
        }
    }
    /// The file's format.
    async fn format(&self) -> ImportFormat {
        if self.0.format == "CSV" {
            ImportFormat::Csv
        } else {
            ImportFormat::Jsonl
        }
    }
    /// The uploaded file's name.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// Whether the job only reports (changes nothing).
    async fn dry_run(&self) -> bool {
        serde_json::from_str::<serde_json::Value>(&self.0.options)
            .ok()
            .and_then(|v| v.get("dry_run").and_then(serde_json::Value::as_bool))
            .unwrap_or(false)
    }
    /// Where the job is.
    async fn state(&self) -> ImportJobState {
        match self.0.state.as_str() {
            "RUNNING" => ImportJobState::Running,
            "SUCCEEDED" => ImportJobState::Succeeded,
            "FAILED" => ImportJobState::Failed,
            "CANCELLED" => ImportJobState::Cancelled,
            _ => ImportJobState::Queued,
        }
    }
    /// Rows in the file (null until the job has read it whole).
    async fn rows_total(&self) -> Option<i64> {
        self.0.rows_total
    }
    /// Rows handled (committed): where the job takes up after a restart.
    async fn rows_done(&self) -> i64 {
        self.0.rows_done
    }
    /// Rows that created a record.
    async fn created(&self) -> i64 {
        self.0.created
    }
    /// Rows that changed a record.
    async fn updated(&self) -> i64 {
        self.0.updated
    }
    /// Rows that matched a record already as they say.
    async fn unchanged(&self) -> i64 {
        self.0.unchanged
    }
    /// Rows refused.
    async fn refused(&self) -> i64 {
        self.0.refused
    }
    /// The first refused rows (at most 20; every one is in the error report).
    async fn first_errors(&self) -> Vec<ImportJobRowError> {
        serde_json::from_str::<Vec<ImportJobError>>(&self.0.first_errors)
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect()
    }
    /// Why the job failed.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Where to download every refused row as CSV (`line,outcome,id,field,reason`), with the
    /// same bearer token.
    async fn error_report_url(&self) -> String {
        format!(
            "/imports/{}/errors.csv",
            global_id::encode(Kind::ImportJob, self.0.id)
        )
    }
    /// The subject of the member who started it.
    async fn started_by(&self) -> &str {
        &self.0.started_by
    }
    /// When it was started (queued).
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
    /// When a process first took it.
    async fn started_at(&self) -> Option<DateTimeScalar> {
        self.0.started_at.map(Into::into)
    }
    /// When it last moved.
    async fn updated_at(&self) -> DateTimeScalar {
        self.0.updated_at.into()
    }
    /// When it ended.
    async fn finished_at(&self) -> Option<DateTimeScalar> {
        self.0.finished_at.map(Into::into)
    }
}

/// An edge to an `ImportJob`.
pub struct ImportJobEdge {
    node: ImportJobRow,
}

/// One import job with its cursor (a Relay edge).
#[Object]
impl ImportJobEdge {
    /// Opaque position of this job: pass it as `after` to page on.
    async fn cursor(&self) -> String {
        cursor(self.node.id)
    }
    /// The job.
    async fn node(&self) -> ImportJobNode {
        ImportJobNode(self.node.clone())
    }
}

/// A page of import jobs, newest first.
pub struct ImportJobConnection {
    items: Vec<ImportJobRow>,
    has_next: bool,
    has_previous: bool,
}

/// A page of import jobs, newest first (a Relay connection); page on with `first` and `after`.
#[Object]
impl ImportJobConnection {
    /// The page's jobs, each with its cursor.
    async fn edges(&self) -> Vec<ImportJobEdge> {
        self.items
            .iter()
            .map(|j| ImportJobEdge { node: j.clone() })
            .collect()
    }
    /// The page's jobs, without cursors.
    async fn nodes(&self) -> Vec<ImportJobNode> {
        self.items.iter().cloned().map(ImportJobNode).collect()
    }
    /// Whether more jobs follow, and the cursors of the page's ends.
    async fn page_info(&self) -> PageInfo {
        let cursors: Vec<String> = self.items.iter().map(|j| cursor(j.id)).collect();
        page_info(&cursors, self.has_next, self.has_previous)
    }
}

/// Import job queries.
#[derive(Default, Debug)]
pub struct ImportJobQueries;

#[Object]
impl ImportJobQueries {
    /// The import jobs the caller may see (their own; every one for admins), newest first.
    async fn import_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many jobs, 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that job.")] after: Option<
            String,
        >,
    ) -> Result<ImportJobConnection> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(gql(ApiError::bad_input(
                "first",
                format!("must be between 0 and {MAX_PAGE}"),
            )));
        }
        let after = after
            .map(|c| decode_cursor("after", &c).map(|k| k.id))
            .transpose()
            .map_err(gql)?;
        let (items, has_next) =
            import_jobs::import_jobs(&state(ctx).ctx(), after, u64::try_from(first).unwrap_or(0))
                .await
                .gql()?;
        Ok(ImportJobConnection {
            items,
            has_next,
            has_previous: after.is_some(),
        })
    }

    /// One import job, if the caller may see it.
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id.")] id: ID,
    ) -> Result<Option<ImportJobNode>> {
        let Some(raw) = global_id::decode(Kind::ImportJob, id.as_str()) else {
            return Ok(None);
        };
        Ok(import_jobs::import_job(&state(ctx).ctx(), raw)
            .await
            .gql()?
            .map(ImportJobNode))
    }
}

/// The job a mutation started or changed.
#[derive(SimpleObject)]
pub struct ImportJobPayload {
    /// The job.
    pub job: ImportJobNode,
}

/// Which job to cancel.
#[derive(InputObject)]
pub struct CancelImportInput {
    /// The job's global id.
    pub job_id: ID,
}

/// Import job mutations.
#[derive(Default, Debug)]
pub struct ImportJobMutations;

#[Object]
impl ImportJobMutations {
    /// Starts an import as a background job (team members; the input of `importRecords`) and
    /// answers the QUEUED job at once. A dry run may run as a job too. The job survives a
    /// restart: it is taken up where it stopped. Follow it with `importJob(id:)`.
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to read it.")] input: ImportRecordsInput,
    ) -> Result<ImportJobPayload> {
        let (options, name, bytes) = read_input(ctx, input)?;
        let job = import_jobs::start_import_job(&state(ctx).ctx(), &options, &name, bytes)
            .await
            .gql()?;
        Ok(ImportJobPayload {
            job: ImportJobNode(job),
        })
    }

    /// Cancels an import job that has not ended (who started it, or an admin). Rows committed
    /// before stay.
    async fn cancel_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] input: CancelImportInput,
    ) -> Result<ImportJobPayload> {
        let raw = global_id::decode(Kind::ImportJob, input.job_id.as_str())
            .ok_or_else(|| gql(ApiError::bad_input("jobId", "is not an ImportJob id")))?;
        let job = import_jobs::cancel_import_job(&state(ctx).ctx(), raw)
            .await
            .gql()?;
        Ok(ImportJobPayload {
            job: ImportJobNode(job),
        })
    }
}
