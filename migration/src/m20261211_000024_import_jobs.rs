//! Imports as background jobs that survive a restart. `import_jobs` holds one row per job: what
//! to import and how (kind, format, options), who started it, its state, and its progress:
//! `rows_done` is the resume point (rows of the file whose outcome is committed), moved in the
//! same transaction as those rows' writes, so a process killed mid-import loses nothing and
//! repeats nothing. A job is held by a lease (token + expiry) like sync jobs and backfills.
//! `import_job_files` keeps the uploaded file in the database (a fleet's processes all reach
//! it), `import_job_errors` every refused row (the downloadable error report), and
//! `import_job_contacts` the contacts a job created or changed, walked by a backfill run
//! scoped to the job (`sync_resyncs.import_job_id`) so they reach bulk-capable sync providers
//! in batches.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
    Kind,
    Format,
    Options,
    FileName,
    StartedByMember,
    StartedBy,
    State,
    RowsTotal,
    RowsDone,
    Created,
    Updated,
    Unchanged,
    Refused,
    FirstErrors,
    Error,
    LeaseToken,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum ImportJobFiles {
    Table,
    JobId,
    Bytes,
}

#[derive(DeriveIden)]
enum ImportJobErrors {
    Table,
    JobId,
    Line,
    Field,
    Reason,
}

#[derive(DeriveIden)]
enum ImportJobContacts {
    Table,
    JobId,
    ContactId,
}

#[derive(DeriveIden)]
enum SyncResyncs {
    Table,
    ImportJobId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ImportJobs::Table)
                .col(big_pk_auto(ImportJobs::Id))
                // accounts, contacts, measurements or team_members (the import's kind, as
                // `rapport import --kind` spells it).
                .col(string_len(ImportJobs::Kind, 32))
                // CSV or JSONL.
                .col(string_len(ImportJobs::Format, 16))
                // JSON: dry_run, mapping, match_by, source.
                .col(text(ImportJobs::Options))
                .col(string_len(ImportJobs::FileName, 255))
                .col(big_integer(ImportJobs::StartedByMember))
                .col(string_len(ImportJobs::StartedBy, 200))
                // QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.
                .col(string_len(ImportJobs::State, 16))
                // Known once the file was checked whole.
                .col(big_integer_null(ImportJobs::RowsTotal))
                .col(big_integer(ImportJobs::RowsDone))
                .col(big_integer(ImportJobs::Created))
                .col(big_integer(ImportJobs::Updated))
                .col(big_integer(ImportJobs::Unchanged))
                .col(big_integer(ImportJobs::Refused))
                // JSON: the first refused rows (line, field, reason).
                .col(text(ImportJobs::FirstErrors))
                // Why a job FAILED (the file could not be read, the starter is gone).
                .col(text_null(ImportJobs::Error))
                .col(string_len_null(ImportJobs::LeaseToken, 64))
                .col(timestamp_with_time_zone_null(ImportJobs::LeaseUntil))
                .col(timestamp_with_time_zone(ImportJobs::CreatedAt))
                .col(timestamp_with_time_zone(ImportJobs::UpdatedAt))
                .col(timestamp_with_time_zone_null(ImportJobs::StartedAt))
                .col(timestamp_with_time_zone_null(ImportJobs::FinishedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_import_jobs_state")
                .table(ImportJobs::Table)
                .col(ImportJobs::State)
                .col(ImportJobs::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_import_jobs_member")
                .table(ImportJobs::Table)
                .col(ImportJobs::StartedByMember)
                .col(ImportJobs::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportJobFiles::Table)
                .col(big_integer(ImportJobFiles::JobId).primary_key())
                .col(blob(ImportJobFiles::Bytes))
                .foreign_key(
                    ForeignKey::create()
                        .from(ImportJobFiles::Table, ImportJobFiles::JobId)
                        .to(ImportJobs::Table, ImportJobs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportJobErrors::Table)
                .col(big_integer(ImportJobErrors::JobId))
                .col(big_integer(ImportJobErrors::Line))
                .col(string_len(ImportJobErrors::Field, 64))
                .col(text(ImportJobErrors::Reason))
                .primary_key(
                    Index::create()
                        .col(ImportJobErrors::JobId)
                        .col(ImportJobErrors::Line),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ImportJobErrors::Table, ImportJobErrors::JobId)
                        .to(ImportJobs::Table, ImportJobs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportJobContacts::Table)
                .col(big_integer(ImportJobContacts::JobId))
                .col(big_integer(ImportJobContacts::ContactId))
                .primary_key(
                    Index::create()
                        .col(ImportJobContacts::JobId)
                        .col(ImportJobContacts::ContactId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ImportJobContacts::Table, ImportJobContacts::JobId)
                        .to(ImportJobs::Table, ImportJobs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SyncResyncs::Table)
                .add_column(big_integer_null(SyncResyncs::ImportJobId))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SyncResyncs::Table)
                .drop_column(SyncResyncs::ImportJobId)
                .to_owned(),
        )
        .await?;
        for table in [
            "import_job_contacts",
            "import_job_errors",
            "import_job_files",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table(ImportJobs::Table).to_owned())
            .await
    }
}
