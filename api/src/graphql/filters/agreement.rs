use async_graphql::{ID, InputObject, Result};
use rapport_domain::agreement::AgreementStatus as DomainStatus;

use super::DateRange;
use super::date_range::window;
use crate::error::ApiError;
use crate::graphql::enums::{AgreementStatus, RelationshipType};
use crate::graphql::error::gql;
use crate::graphql::ids::account_id;
use crate::store::AgreementQuery;

/// Which agreements to list: every part given must hold (AND). A partner's list stays
/// within the accounts it referred whatever the filter says.
#[derive(Debug, Default, InputObject)]
pub struct AgreementFilter {
    /// Only agreements in this state.
    status: Option<AgreementStatus>,
    /// Only agreements in one of these states (at least one).
    status_in: Option<Vec<AgreementStatus>>,
    /// Only agreements in force (ACTIVE or UNDER_REVIEW), or only those not in force.
    in_force: Option<bool>,
    /// Only agreements with this account.
    account_id: Option<ID>,
    /// Only agreements whose account is (today) a customer, or a client.
    relationship_type: Option<RelationshipType>,
    /// Only agreements whose summary's effective date is in the window.
    effective_from: Option<DateRange>,
    /// Only agreements whose current term ends in the window (open-ended ones never match).
    term_end: Option<DateRange>,
    /// Only agreements whose notice deadline (`cancelBy`) is in the window.
    cancel_by: Option<DateRange>,
    /// Only agreements whose next review is due in the window.
    next_review_on: Option<DateRange>,
}

impl AgreementFilter {
    /// The store query; `prefix` names the argument in errors (`filter.`).
    pub(crate) fn into_query(self, prefix: &str) -> Result<AgreementQuery> {
        let status_in = match self.status_in {
            Some(set) if set.is_empty() => {
                return Err(gql(ApiError::bad_input(
                    format!("{prefix}statusIn"),
                    "must name at least one status",
                )));
            }
            Some(set) => Some(set.into_iter().map(DomainStatus::from).collect()),
            None => None,
        };
        Ok(AgreementQuery {
            account: self
                .account_id
                .map(|id| account_id(&format!("{prefix}accountId"), &id))
                .transpose()?,
            status: self.status.map(DomainStatus::from),
            status_in,
            in_force: self.in_force,
            relationship: self.relationship_type.map(Into::into),
            effective_from: window(self.effective_from, &format!("{prefix}effectiveFrom"))?,
            term_end: window(self.term_end, &format!("{prefix}termEnd"))?,
            cancel_by: window(self.cancel_by, &format!("{prefix}cancelBy"))?,
            next_review_on: window(self.next_review_on, &format!("{prefix}nextReviewOn"))?,
            contradiction: false,
        })
    }
}
