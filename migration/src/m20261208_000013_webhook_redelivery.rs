//! Manual redelivery (`redeliverWebhook`): a delivery set pending by its endpoint's owner is
//! marked, so the attempt the dispatcher makes for it is logged as `manual` (and the mark is
//! cleared with that attempt).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    ManualRequested,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(WebhookDeliveries::Table)
                .add_column(boolean(WebhookDeliveries::ManualRequested).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(WebhookDeliveries::Table)
                .drop_column(WebhookDeliveries::ManualRequested)
                .to_owned(),
        )
        .await
    }
}
