use rapport_domain::ids::{AccountId, AgreementId};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};

use super::DateWindow;
use crate::store::entity::{agreement, service_credit};

/// Which entries of the service-credit ledger a list shows: the AND of every part given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditQuery {
    /// Only credits of this agreement.
    pub agreement: Option<AgreementId>,
    /// Only credits of this account's agreements.
    pub account: Option<AccountId>,
    /// Only credits for this metric key.
    pub metric: Option<String>,
    /// Period start within the window.
    pub period: DateWindow,
    /// Two parts of the filter cannot both hold (an account's list asked for another
    /// account): nothing matches, and `totalCount` says 0.
    pub contradiction: bool,
}

impl CreditQuery {
    /// The ledger of one agreement.
    pub fn of_agreement(agreement: AgreementId) -> Self {
        CreditQuery {
            agreement: Some(agreement),
            ..Default::default()
        }
    }

    pub(crate) fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if self.contradiction {
            return super::nothing();
        }
        if let Some(a) = self.agreement {
            cond = cond.add(service_credit::Column::AgreementId.eq(a.get()));
        }
        if let Some(a) = self.account {
            cond = cond.add(
                service_credit::Column::AgreementId.in_subquery(
                    Query::select()
                        .column(agreement::Column::Id)
                        .from(agreement::Entity)
                        .and_where(agreement::Column::AccountId.eq(a.get()))
                        .to_owned(),
                ),
            );
        }
        if let Some(m) = &self.metric {
            cond = cond.add(service_credit::Column::MetricKey.eq(m.clone()));
        }
        cond.add(self.period.on_date(service_credit::Column::PeriodStart))
    }
}
