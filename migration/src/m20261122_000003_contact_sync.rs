//! Contact sync: one job per (provider, contact), what each provider last received, and paused
//! providers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncJobs {
    Table,
    Id,
    Provider,
    ContactId,
    Kind,
    State,
    Attempts,
    DueAt,
    LeaseToken,
    LeaseWorker,
    LeaseUntil,
    Rerun,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyncStates {
    Table,
    Provider,
    ContactId,
    ExternalId,
    EmailKey,
    SentEmail,
    LastSyncedAt,
    Erased,
}

#[derive(DeriveIden)]
enum ProviderPauses {
    Table,
    Provider,
    Reason,
    PausedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SyncJobs::Table)
                .col(big_pk_auto(SyncJobs::Id))
                .col(string_len(SyncJobs::Provider, 64))
                .col(big_integer(SyncJobs::ContactId))
                .col(string_len(SyncJobs::Kind, 16))
                // PENDING, LEASED or DEAD.
                .col(string_len(SyncJobs::State, 16))
                .col(integer(SyncJobs::Attempts))
                .col(timestamp_with_time_zone(SyncJobs::DueAt))
                .col(string_len_null(SyncJobs::LeaseToken, 64))
                .col(string_len_null(SyncJobs::LeaseWorker, 200))
                .col(timestamp_with_time_zone_null(SyncJobs::LeaseUntil))
                // The contact changed while the job was leased: run it again afterwards.
                .col(boolean(SyncJobs::Rerun))
                .col(text_null(SyncJobs::LastError))
                .col(timestamp_with_time_zone(SyncJobs::CreatedAt))
                .col(timestamp_with_time_zone(SyncJobs::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_sync_jobs_provider_contact")
                .table(SyncJobs::Table)
                .col(SyncJobs::Provider)
                .col(SyncJobs::ContactId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sync_jobs_claim")
                .table(SyncJobs::Table)
                .col(SyncJobs::Provider)
                .col(SyncJobs::State)
                .col(SyncJobs::DueAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SyncStates::Table)
                .col(string_len(SyncStates::Provider, 64))
                .col(big_integer(SyncStates::ContactId))
                .col(string_len_null(SyncStates::ExternalId, 200))
                .col(string_len_null(SyncStates::EmailKey, 200))
                .col(string_len_null(SyncStates::SentEmail, 254))
                .col(timestamp_with_time_zone_null(SyncStates::LastSyncedAt))
                .col(boolean(SyncStates::Erased))
                .primary_key(
                    Index::create()
                        .col(SyncStates::Provider)
                        .col(SyncStates::ContactId),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProviderPauses::Table)
                .col(string_len(ProviderPauses::Provider, 64).primary_key())
                .col(text(ProviderPauses::Reason))
                .col(timestamp_with_time_zone(ProviderPauses::PausedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProviderPauses::Table.into_iden(),
            SyncStates::Table.into_iden(),
            SyncJobs::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
