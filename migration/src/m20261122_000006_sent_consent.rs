//! What consent each provider last received for a contact, so that a local opt-out is sent to
//! an existing member once (Mailchimp: `status: unsubscribed`) and an opt-out the provider itself
//! reported is never sent back. Rows written before this column read as "not known": no status
//! is forced for them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncStates {
    Table,
    SentConsent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SyncStates::Table)
                // SUBSCRIBED, PENDING, UNSUBSCRIBED, CLEANED or NONE.
                .add_column(string_len_null(SyncStates::SentConsent, 16))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SyncStates::Table)
                .drop_column(SyncStates::SentConsent)
                .to_owned(),
        )
        .await
    }
}
