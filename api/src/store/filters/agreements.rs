use rapport_domain::account::RelationshipType;
use rapport_domain::agreement::AgreementStatus;
use rapport_domain::ids::AccountId;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};

use super::DateWindow;
use crate::store::entity::{account, agreement};

/// Which agreements a list shows: the AND of every part given. The caller's scope is added
/// by the read, so no part can widen it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementQuery {
    /// Only agreements with this account.
    pub account: Option<AccountId>,
    /// Only agreements in this state.
    pub status: Option<AgreementStatus>,
    /// Only agreements in one of these states.
    pub status_in: Option<Vec<AgreementStatus>>,
    /// Only agreements in force (ACTIVE or UNDER_REVIEW).
    pub in_force: Option<bool>,
    /// Only agreements of customers or only of clients (the account's type today).
    pub relationship: Option<RelationshipType>,
    /// Effective date within the window.
    pub effective_from: DateWindow,
    /// Last day of the current term within the window (open-ended never matches a bound).
    pub term_end: DateWindow,
    /// Notice deadline within the window.
    pub cancel_by: DateWindow,
    /// Next review within the window.
    pub next_review_on: DateWindow,
    /// Two parts of the filter cannot both hold (an account's list asked for another
    /// account): nothing matches, and `totalCount` says 0.
    pub contradiction: bool,
}

impl AgreementQuery {
    pub(crate) fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if self.contradiction {
            return super::nothing();
        }
        if let Some(a) = self.account {
            cond = cond.add(agreement::Column::AccountId.eq(a.get()));
        }
        if let Some(s) = self.status {
            cond = cond.add(agreement::Column::Status.eq(s.as_str()));
        }
        if let Some(set) = &self.status_in {
            cond = cond.add(agreement::Column::Status.is_in(set.iter().map(|s| s.as_str())));
        }
        if let Some(f) = self.in_force {
            cond = cond.add(agreement::Column::InForce.eq(f));
        }
        if let Some(r) = self.relationship {
            cond = cond.add(
                agreement::Column::AccountId.in_subquery(
                    Query::select()
                        .column(account::Column::Id)
                        .from(account::Entity)
                        .and_where(account::Column::Relationship.eq(r.as_str()))
                        .to_owned(),
                ),
            );
        }
        cond.add(
            self.effective_from
                .on_date(agreement::Column::EffectiveFrom),
        )
        .add(self.term_end.on_date(agreement::Column::TermEnd))
        .add(self.cancel_by.on_date(agreement::Column::CancelBy))
        .add(self.next_review_on.on_date(agreement::Column::NextReviewOn))
    }
}
