//! What list filters need to stay queries (never a fetch-everything-and-filter in Rust):
//!
//! - `agreements` keeps its derived dates as columns (`effective_from`, `term_end`,
//!   `cancel_by`, `next_review_on`), written with every save of the aggregate, so date windows
//!   are plain range conditions. They are derived by domain rules from the state and the
//!   revisions (JSON), which SQL cannot evaluate: existing rows get `dates_derived = FALSE`
//!   and the application fills them right after migrating (`Store::migrate`).
//! - `metric_compliance` holds the compliance status of each metric of an agreement for each
//!   period it was measured in, replaced whenever measurements of that period are recorded
//!   or the agreement changes. "Accounts with a metric BREACHED this period" is then one
//!   indexed `EXISTS`.
//! - Indexes for the new filters: agreement status and dates, credits by period, the audit
//!   log by time and by actor.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
    EffectiveFrom,
    TermEnd,
    CancelBy,
    NextReviewOn,
    DatesDerived,
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

const INDEXES: [(&str, &str, &[&str]); 9] = [
    ("idx_agreements_status", "agreements", &["status", "id"]),
    (
        "idx_agreements_effective_from",
        "agreements",
        &["effective_from", "id"],
    ),
    ("idx_agreements_term_end", "agreements", &["term_end", "id"]),
    (
        "idx_agreements_cancel_by",
        "agreements",
        &["cancel_by", "id"],
    ),
    (
        "idx_agreements_next_review_on",
        "agreements",
        &["next_review_on", "id"],
    ),
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
        // One column per statement: SQLite alters one thing at a time. A column another step
        // already added (the sort keys name the same dates) is left as it is.
        for (name, col) in [
            ("effective_from", date_null(Agreements::EffectiveFrom)),
            ("term_end", date_null(Agreements::TermEnd)),
            ("cancel_by", date_null(Agreements::CancelBy)),
            ("next_review_on", date_null(Agreements::NextReviewOn)),
            (
                "dates_derived",
                boolean(Agreements::DatesDerived).default(false).to_owned(),
            ),
        ] {
            if m.has_column("agreements", name).await? {
                continue;
            }
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Agreements::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }

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
        for col in [
            Agreements::DatesDerived,
            Agreements::NextReviewOn,
            Agreements::CancelBy,
            Agreements::TermEnd,
            Agreements::EffectiveFrom,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Agreements::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
