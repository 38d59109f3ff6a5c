//! What list filters need to stay queries (never a fetch-everything-and-filter in Rust):
//!
//! - Agreement date windows are plain range conditions on the derived date columns and indexes
//!   that `m20261207_000009_sort_indexes` adds (`effective_from`, `term_end`, `cancel_by`,
//!   `next_review_on`, kept by every save of the aggregate).
//! - `metric_compliance` holds the compliance status of each metric of an agreement for each
//!   period it was measured in, replaced whenever measurements of that period are recorded
//!   or the agreement changes. "Accounts with a metric BREACHED this period" is then one
//!   indexed `EXISTS`.
//! - Indexes for the new filters: credits by period and by metric, the audit log by time and
//!   by actor.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MetricCompliance {
    Table,
    Id,
    AgreementId,
    MetricKey,
    PeriodStart,
    PeriodEnd,
    Status,
}

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut idx = Index::create().name(name).table(table).to_owned();
    for col in cols {
        idx.col(Alias::new(*col));
    }
    idx
}

const INDEXES: [(&str, &str, &[&str]); 4] = [
    (
        "idx_service_credits_period_start",
        "service_credits",
        &["period_start", "id"],
    ),
    (
        "idx_service_credits_metric",
        "service_credits",
        &["metric_key", "id"],
    ),
    ("idx_audit_log_at", "audit_log", &["at", "id"]),
    ("idx_audit_log_actor", "audit_log", &["actor", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MetricCompliance::Table)
                .col(big_pk_auto(MetricCompliance::Id))
                .col(big_integer(MetricCompliance::AgreementId))
                .col(string_len(MetricCompliance::MetricKey, 40))
                .col(date(MetricCompliance::PeriodStart))
                .col(date(MetricCompliance::PeriodEnd))
                .col(string_len(MetricCompliance::Status, 16))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_metric_compliance_agreement")
                        .from(MetricCompliance::Table, MetricCompliance::AgreementId)
                        .to(Agreements::Table, Agreements::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "uq_metric_compliance_period",
                MetricCompliance::Table,
                &["agreement_id", "metric_key", "period_start"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_metric_compliance_status",
            MetricCompliance::Table,
            &["status", "period_end", "agreement_id"],
        ))
        .await?;

        for (name, table, cols) in INDEXES {
            m.create_index(index(name, Alias::new(table), cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table(MetricCompliance::Table).to_owned())
            .await?;
        Ok(())
    }
}
