//! Running import jobs: claim one under a lease, rebuild who started it, and run the import
//! from the job's resume point with a checkpoint that writes each chunk's progress, refused
//! rows and touched contacts in the chunk's transaction, renewing the lease. A lost lease or a
//! cancellation makes that write fail: the chunk rolls back and this process lets the job go.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use rapport_domain::permissions::Principal;

use super::{bulk_providers, options_of};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::service::Ctx;
use crate::service::import::{Checkpoint, ImportInput, ImportKind, Outcome, Resume, RowReport};
use crate::store::{ImportChunk, ImportJobError, ImportJobRow, Store, StoreError, Tx, job_state};

/// Runs import jobs for one process.
#[derive(Debug, Clone)]
pub struct JobRunner {
    store: Store,
    registry: Arc<rapport_integrations::Registry>,
    lease: Duration,
}

/// How one claimed job's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The job ended: SUCCEEDED or FAILED (its state says which, and why).
    Ended(i64),
    /// This process let it go: the lease was lost or the job was cancelled.
    LetGo(i64),
    /// The database failed mid-run: the job stays RUNNING and is taken up again, where it
    /// stopped, once its lease expires.
    Interrupted(i64, String),
}

struct JobCheckpoint<'a> {
    job: i64,
    token: String,
    lease: chrono::Duration,
    contacts: bool,
    lost: bool,
    stop: Option<&'a AtomicBool>,
    stopping: bool,
    on_progress: &'a (dyn Fn(u64, u64) + Send + Sync),
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl Checkpoint for JobCheckpoint<'_> {
    async fn chunk(
        &mut self,
        tx: &Tx,
        rows: &[RowReport],
        rows_done: u64,
        rows_total: u64,
    ) -> Result<(), ApiError> {
        if self.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            self.stopping = true;
            return Err(ApiError::Conflict("this process is stopping".into()));
        }
        let mut chunk = ImportChunk {
            rows_done: i(rows_done),
            rows_total: i(rows_total),
            ..ImportChunk::default()
        };
        for row in rows {
            match &row.outcome {
                Outcome::Create => chunk.created += 1,
                Outcome::Update => chunk.updated += 1,
                Outcome::Unchanged => chunk.unchanged += 1,
                Outcome::Refused { field, reason } => chunk.refused.push(ImportJobError {
                    line: i(row.line),
                    field: field.clone(),
                    reason: reason.clone(),
                }),
            }
            if self.contacts && matches!(row.outcome, Outcome::Create | Outcome::Update) {
                chunk.contacts.extend(row.id);
            }
        }
        let now = Utc::now();
        if !tx
            .advance_import_job(self.job, &self.token, &chunk, now + self.lease, now)
            .await?
        {
            self.lost = true;
            return Err(ApiError::Conflict(
                "the import job was cancelled or taken by another process".into(),
            ));
        }
        (self.on_progress)(rows_done, rows_total);
        Ok(())
    }
}

impl JobRunner {
    /// A runner over `store`; contacts reach `registry`'s providers (bulk ones through a
    /// backfill when a job ends); a claim holds a job for `lease`, renewed with each chunk.
    pub fn new(
        store: Store,
        registry: Arc<rapport_integrations::Registry>,
        lease: Duration,
    ) -> Self {
        Self {
            store,
            registry,
            lease,
        }
    }

    /// Claims the oldest waiting job (or with `only`, that job if it waits) and runs it until
    /// it ends or this process lets it go; `None` when no job waits. `on_progress` hears
    /// (rows done, rows in the file) after each chunk.
    ///
    /// # Errors
    /// The database failed before a job was claimed.
    pub async fn run_once(
        &self,
        only: Option<i64>,
        on_progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Option<RunOutcome>, StoreError> {
        self.run_once_until(only, on_progress, None).await
    }

    /// [`run_once`](Self::run_once), letting the job go (at a chunk's end, for any process to
    /// take up at once) when `stop` is set.
    ///
    /// # Errors
    /// The database failed before a job was claimed.
    pub async fn run_once_until(
        &self,
        only: Option<i64>,
        on_progress: &(dyn Fn(u64, u64) + Send + Sync),
        stop: Option<&AtomicBool>,
    ) -> Result<Option<RunOutcome>, StoreError> {
        let token = uuid::Uuid::new_v4().to_string();
        let now = Utc::now();
        let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::minutes(1));
        let Some(job) = self
            .store
            .claim_import_job(only, &token, now + lease, now)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(
            self.run_claimed(&job, token, lease, on_progress, stop)
                .await,
        ))
    }

    async fn fail(&self, job: &ImportJobRow, token: &str, why: &str) -> RunOutcome {
        tracing::warn!(import_job = job.id, reason = why, "import job failed");
        self.end(job, token, job_state::FAILED, Some(why)).await
    }

    async fn end(
        &self,
        job: &ImportJobRow,
        token: &str,
        state: &str,
        why: Option<&str>,
    ) -> RunOutcome {
        let names: Vec<String> = self
            .registry
            .names()
            .iter()
            .map(|n| (*n).to_owned())
            .collect();
        let bulk = bulk_providers(Some(&self.registry), &names);
        match self
            .store
            .finish_import_job(job.id, token, state, why, &bulk, Utc::now())
            .await
        {
            Ok(true) => RunOutcome::Ended(job.id),
            Ok(false) => RunOutcome::LetGo(job.id),
            Err(e) => RunOutcome::Interrupted(job.id, e.to_string()),
        }
    }

    async fn caller(&self, job: &ImportJobRow) -> Result<Result<Caller, String>, StoreError> {
        let Some(member) = self.store.team_member_by_subject(&job.started_by).await? else {
            return Ok(Err(format!(
                "no team member has the subject {} any more",
                job.started_by
            )));
        };
        if member.id.get() != job.started_by_member || !member.active {
            return Ok(Err(format!(
                "{} who started the import is deactivated",
                job.started_by
            )));
        }
        Ok(Ok(Caller {
            principal: Principal::Staff {
                member: member.id,
                role: member.role,
            },
            subject: job.started_by.clone(),
            token_id: format!("import-job-{}", job.id),
        }))
    }

    async fn run_claimed(
        &self,
        job: &ImportJobRow,
        token: String,
        lease: chrono::Duration,
        on_progress: &(dyn Fn(u64, u64) + Send + Sync),
        stop: Option<&AtomicBool>,
    ) -> RunOutcome {
        let options = match options_of(job) {
            Ok(o) => o,
            Err(why) => return self.fail(job, &token, &why).await,
        };
        let caller = match self.caller(job).await {
            Ok(Ok(c)) => c,
            Ok(Err(why)) => return self.fail(job, &token, &why).await,
            Err(e) => return RunOutcome::Interrupted(job.id, e.to_string()),
        };
        let bytes = match self.store.import_job_file(job.id).await {
            Ok(Some(b)) => b,
            Ok(None) => return self.fail(job, &token, "the job's file is gone").await,
            Err(e) => return RunOutcome::Interrupted(job.id, e.to_string()),
        };
        // Providers without a bulk API get one queued job per contact, in the row's
        // transaction, as every contact change does; bulk ones a backfill when the job ends.
        let all: Vec<String> = self
            .registry
            .names()
            .iter()
            .map(|n| (*n).to_owned())
            .collect();
        let bulk = bulk_providers(Some(&self.registry), &all);
        let per_contact: Vec<String> = all.into_iter().filter(|p| !bulk.contains(p)).collect();
        let request_id = format!("import-job-{}", job.id);
        let ctx = Ctx {
            store: &self.store,
            caller: &caller,
            request_id: &request_id,
            now: Utc::now(),
            providers: &per_contact,
            registry: Some(&self.registry),
        };
        let mut checkpoint = JobCheckpoint {
            job: job.id,
            token: token.clone(),
            lease,
            contacts: options.kind == ImportKind::Contacts && !options.dry_run,
            lost: false,
            stop,
            stopping: false,
            on_progress,
        };
        let result = crate::service::import::import_from(
            &ctx,
            &options,
            ImportInput::Bytes(Arc::new(bytes)),
            Some(Resume {
                rows_done: u64::try_from(job.rows_done).unwrap_or(0),
                checkpoint: &mut checkpoint,
            }),
            |_, _| {},
        )
        .await;
        match result {
            Ok(_) => self.end(job, &token, job_state::SUCCEEDED, None).await,
            Err(_) if checkpoint.lost => RunOutcome::LetGo(job.id),
            Err(_) if checkpoint.stopping => {
                // Anyone may take it up at once, where it stopped.
                let _ = self.store.release_import_job(job.id, &token).await;
                RunOutcome::LetGo(job.id)
            }
            Err(ApiError::BadUserInput { field, message }) => {
                self.fail(job, &token, &format!("{field}: {message}")).await
            }
            Err(ApiError::Forbidden) => {
                self.fail(job, &token, "the member who started it may not import")
                    .await
            }
            Err(e) => {
                tracing::warn!(import_job = job.id, error = %e, "import job interrupted; taken up again when its lease expires");
                RunOutcome::Interrupted(job.id, e.to_string())
            }
        }
    }

    /// Runs jobs until `stop` is set, waiting `idle` when none waits. A job running when
    /// `stop` is set is let go at its next chunk for any process to take up at once; a job cut
    /// short by the process dying is taken up again, where it stopped, once its lease expires.
    pub async fn run(&self, idle: Duration, stop: Arc<AtomicBool>) {
        while !stop.load(Ordering::SeqCst) {
            match self.run_once_until(None, &|_, _| {}, Some(&stop)).await {
                Ok(Some(_)) => {}
                Ok(None) => tokio::time::sleep(idle).await,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim an import job");
                    tokio::time::sleep(idle).await;
                }
            }
        }
    }
}
