//! Inbound webhooks: interactions with contacts (calls from Ringover), and the receipts that
//! make a provider's repeated deliveries change nothing the second time.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Interactions {
    Table,
    Id,
    ContactId,
    Kind,
    Direction,
    At,
    DurationSeconds,
    Source,
    Summary,
    ExternalKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookReceipts {
    Table,
    Id,
    Provider,
    DedupKey,
    ContactId,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Interactions::Table)
                .col(big_pk_auto(Interactions::Id))
                .col(big_integer(Interactions::ContactId))
                // CALL, …
                .col(string_len(Interactions::Kind, 32))
                // INBOUND or OUTBOUND, when it has one.
                .col(string_len_null(Interactions::Direction, 16))
                .col(timestamp_with_time_zone(Interactions::At))
                .col(integer_null(Interactions::DurationSeconds))
                // The provider it came from (`ringover`).
                .col(string_len(Interactions::Source, 64))
                .col(string_len_null(Interactions::Summary, 500))
                // The provider's key of the event (`{call id}:{event}`): a repeated delivery
                // finds it taken and records nothing.
                .col(string_len(Interactions::ExternalKey, 200))
                .col(timestamp_with_time_zone(Interactions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_interactions_contact")
                        .from(Interactions::Table, Interactions::ContactId)
                        .to(Contacts::Table, Contacts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One interaction per provider event and contact. A number shared by several contacts
        // records the call on each of them.
        m.create_index(
            Index::create()
                .name("uq_interactions_source_key_contact")
                .table(Interactions::Table)
                .col(Interactions::Source)
                .col(Interactions::ExternalKey)
                .col(Interactions::ContactId)
                .unique()
                .to_owned(),
        )
        .await?;
        // A contact's interactions, newest first.
        m.create_index(
            Index::create()
                .name("idx_interactions_contact_at")
                .table(Interactions::Table)
                .col(Interactions::ContactId)
                .col(Interactions::At)
                .col(Interactions::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookReceipts::Table)
                .col(big_pk_auto(WebhookReceipts::Id))
                .col(string_len(WebhookReceipts::Provider, 64))
                // Built from the event (type, fired_at, hashed addresses), never the raw body.
                .col(string_len(WebhookReceipts::DedupKey, 200))
                // The contact the event changed: its receipts go when it is erased.
                .col(big_integer_null(WebhookReceipts::ContactId))
                .col(timestamp_with_time_zone(WebhookReceipts::ReceivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_webhook_receipts_provider_key")
                .table(WebhookReceipts::Table)
                .col(WebhookReceipts::Provider)
                .col(WebhookReceipts::DedupKey)
                .unique()
                .to_owned(),
        )
        .await?;
        // Old receipts are pruned by age.
        m.create_index(
            Index::create()
                .name("idx_webhook_receipts_received")
                .table(WebhookReceipts::Table)
                .col(WebhookReceipts::Provider)
                .col(WebhookReceipts::ReceivedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhook_receipts_contact")
                .table(WebhookReceipts::Table)
                .col(WebhookReceipts::ContactId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookReceipts::Table.into_iden(),
            Interactions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
