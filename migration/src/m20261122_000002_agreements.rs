//! Agreements: the aggregate row, its immutable revisions (sections kept as JSON snapshots),
//! measurements (idempotent per agreement and measurement key) and the service-credit ledger.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
    AccountId,
    Status,
    Version,
    State,
    InForce,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgreementRevisions {
    Table,
    AgreementId,
    Number,
    Status,
    Sections,
    Meta,
    CreatedAt,
    CreatedBy,
    ApprovedBy,
    ApprovedAt,
    ChangeNote,
    InForceFrom,
}

#[derive(DeriveIden)]
enum Measurements {
    Table,
    Id,
    AgreementId,
    MetricKey,
    PeriodStart,
    Value,
    ObservedAt,
    Source,
    RecordedBy,
    IdempotencyKey,
    RecordedAt,
}

#[derive(DeriveIden)]
enum ServiceCredits {
    Table,
    Id,
    AgreementId,
    MetricKey,
    PeriodStart,
    Amount,
    Currency,
    Reason,
    ComputedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn fk_agreement(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(Agreements::Table, Agreements::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agreements::Table)
                .col(big_pk_auto(Agreements::Id))
                .col(big_integer(Agreements::AccountId))
                .col(string_len(Agreements::Status, 32))
                .col(integer(Agreements::Version))
                // Lifecycle state that is read and written with the aggregate only (reviews,
                // termination, term end, scheduler markers), as JSON.
                .col(text(Agreements::State))
                // Whether the agreement is in force (ACTIVE or UNDER_REVIEW), kept for filters.
                .col(boolean(Agreements::InForce))
                .col(string_len(Agreements::CreatedBy, 200))
                .col(ts(Agreements::CreatedAt))
                .col(ts(Agreements::UpdatedAt))
                .foreign_key(
                    &mut ForeignKey::create()
                        .name("fk_agreements_account")
                        .from(Agreements::Table, Agreements::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Restrict)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_agreements_account")
                .table(Agreements::Table)
                .col(Agreements::AccountId)
                .col(Agreements::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AgreementRevisions::Table)
                .col(big_integer(AgreementRevisions::AgreementId))
                .col(integer(AgreementRevisions::Number))
                .col(string_len(AgreementRevisions::Status, 32))
                .col(text(AgreementRevisions::Sections))
                // Who edited and submitted it, and any rejection, as JSON.
                .col(text(AgreementRevisions::Meta))
                .col(ts(AgreementRevisions::CreatedAt))
                .col(string_len(AgreementRevisions::CreatedBy, 200))
                .col(string_len_null(AgreementRevisions::ApprovedBy, 200))
                .col(timestamp_with_time_zone_null(
                    AgreementRevisions::ApprovedAt,
                ))
                .col(text_null(AgreementRevisions::ChangeNote))
                .col(date_null(AgreementRevisions::InForceFrom))
                .primary_key(
                    Index::create()
                        .col(AgreementRevisions::AgreementId)
                        .col(AgreementRevisions::Number),
                )
                .foreign_key(&mut fk_agreement(
                    "fk_agreement_revisions_agreement",
                    AgreementRevisions::Table,
                    AgreementRevisions::AgreementId,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Measurements::Table)
                .col(big_pk_auto(Measurements::Id))
                .col(big_integer(Measurements::AgreementId))
                .col(string_len(Measurements::MetricKey, 40))
                .col(date(Measurements::PeriodStart))
                // Exact decimal as text: never a float.
                .col(string_len(Measurements::Value, 64))
                .col(ts(Measurements::ObservedAt))
                .col(string_len(Measurements::Source, 200))
                .col(string_len(Measurements::RecordedBy, 200))
                .col(string_len(Measurements::IdempotencyKey, 400))
                .col(ts(Measurements::RecordedAt))
                .foreign_key(&mut fk_agreement(
                    "fk_measurements_agreement",
                    Measurements::Table,
                    Measurements::AgreementId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_measurements_idempotency")
                .table(Measurements::Table)
                .col(Measurements::AgreementId)
                .col(Measurements::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_measurements_metric_period")
                .table(Measurements::Table)
                .col(Measurements::AgreementId)
                .col(Measurements::MetricKey)
                .col(Measurements::PeriodStart)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ServiceCredits::Table)
                .col(big_pk_auto(ServiceCredits::Id))
                .col(big_integer(ServiceCredits::AgreementId))
                .col(string_len(ServiceCredits::MetricKey, 40))
                .col(date(ServiceCredits::PeriodStart))
                .col(string_len(ServiceCredits::Amount, 64))
                .col(string_len(ServiceCredits::Currency, 3))
                .col(text(ServiceCredits::Reason))
                .col(ts(ServiceCredits::ComputedAt))
                .foreign_key(&mut fk_agreement(
                    "fk_service_credits_agreement",
                    ServiceCredits::Table,
                    ServiceCredits::AgreementId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_service_credits_period")
                .table(ServiceCredits::Table)
                .col(ServiceCredits::AgreementId)
                .col(ServiceCredits::PeriodStart)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServiceCredits::Table.into_iden(),
            Measurements::Table.into_iden(),
            AgreementRevisions::Table.into_iden(),
            Agreements::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
