//! Backfills (`resyncAll`): one row per run, walked page by page in contact-id order. The
//! cursor moves in the same transaction as the page's results, so a crash repeats at most one
//! page, and bulk upserts are safe to repeat.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncResyncs {
    Table,
    Id,
    Provider,
    State,
    AfterContactId,
    Total,
    Processed,
    Synced,
    Queued,
    Pages,
    LastError,
    RequestedBy,
    LeaseToken,
    LeaseUntil,
    StartedAt,
    UpdatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SyncResyncs::Table)
                .col(big_pk_auto(SyncResyncs::Id))
                .col(string_len(SyncResyncs::Provider, 64))
                // RUNNING or DONE.
                .col(string_len(SyncResyncs::State, 16))
                // The last contact id handled; 0 before the first page.
                .col(big_integer(SyncResyncs::AfterContactId))
                .col(big_integer(SyncResyncs::Total))
                .col(big_integer(SyncResyncs::Processed))
                .col(big_integer(SyncResyncs::Synced))
                .col(big_integer(SyncResyncs::Queued))
                .col(big_integer(SyncResyncs::Pages))
                .col(text_null(SyncResyncs::LastError))
                .col(string_len(SyncResyncs::RequestedBy, 200))
                .col(string_len_null(SyncResyncs::LeaseToken, 64))
                .col(timestamp_with_time_zone_null(SyncResyncs::LeaseUntil))
                .col(timestamp_with_time_zone(SyncResyncs::StartedAt))
                .col(timestamp_with_time_zone(SyncResyncs::UpdatedAt))
                .col(timestamp_with_time_zone_null(SyncResyncs::FinishedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sync_resyncs_provider_state")
                .table(SyncResyncs::Table)
                .col(SyncResyncs::Provider)
                .col(SyncResyncs::State)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SyncResyncs::Table).to_owned())
            .await
    }
}
