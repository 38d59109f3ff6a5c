//! Compliance as rows: the status of each metric of an agreement for each period it was
//! judged, kept current by the use cases that change it (recorded measurements, changes of the
//! agreement), so accounts can be filtered by it in SQL.

use chrono::NaiveDate;
use rapport_domain::agreement::Period;
use rapport_domain::agreement::compliance::{ComplianceStatus, MetricCompliance};
use rapport_domain::ids::AgreementId;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use crate::store::entity::{account, agreement, metric_compliance};
use crate::store::{StoreError, Tx};

/// Accounts with an agreement in force that has any metric in one of `statuses` in the
/// period containing `on` (each metric's own month or quarter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceQuery {
    /// The statuses looked for (measured ones: a metric with no measurement this period has
    /// no row).
    pub statuses: Vec<ComplianceStatus>,
    /// The day whose periods count (today).
    pub on: NaiveDate,
}

impl ComplianceQuery {
    fn agreements(&self) -> SelectStatement {
        Query::select()
            .column(metric_compliance::Column::AgreementId)
            .from(metric_compliance::Entity)
            .and_where(
                metric_compliance::Column::Status.is_in(self.statuses.iter().map(|s| s.as_str())),
            )
            .and_where(metric_compliance::Column::PeriodStart.lte(self.on))
            .and_where(metric_compliance::Column::PeriodEnd.gte(self.on))
            .to_owned()
    }

    /// The condition on account rows.
    pub(crate) fn accounts(&self) -> Condition {
        Condition::all().add(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(agreement::Column::AccountId)
                    .from(agreement::Entity)
                    .and_where(agreement::Column::InForce.eq(true))
                    .and_where(agreement::Column::Id.in_subquery(self.agreements()))
                    .to_owned(),
            ),
        )
    }
}

impl Tx {
    /// Replaces the stored compliance of `agreement` for `period` with `statuses` (the
    /// metrics judged over that period).
    pub async fn replace_compliance(
        &self,
        agreement: AgreementId,
        period: &Period,
        statuses: &[MetricCompliance],
    ) -> Result<(), StoreError> {
        metric_compliance::Entity::delete_many()
            .filter(metric_compliance::Column::AgreementId.eq(agreement.get()))
            .filter(metric_compliance::Column::PeriodStart.eq(period.start()))
            .filter(metric_compliance::Column::PeriodEnd.eq(period.end()))
            .exec(&self.inner)
            .await?;
        for s in statuses.iter().filter(|s| s.period == *period) {
            metric_compliance::ActiveModel {
                agreement_id: Set(agreement.get()),
                metric_key: Set(s.metric_key.as_str().to_owned()),
                period_start: Set(period.start()),
                period_end: Set(period.end()),
                status: Set(s.status.as_str().to_owned()),
                ..Default::default()
            }
            .insert(&self.inner)
            .await?;
        }
        Ok(())
    }
}
