use async_graphql::Result;
use chrono::NaiveDate;
use rapport_domain::agreement::ComplianceStatus as DomainStatus;

use crate::error::ApiError;
use crate::graphql::enums::ComplianceStatus;
use crate::graphql::error::gql;
use crate::store::ComplianceQuery;

/// The store query of `complianceIn` as of `today`; `field` names it in errors.
///
/// `NOT_MEASURED` is refused: the compliance kept per period only knows metrics that have
/// measurements, so "not measured this period" would silently miss every metric nobody
/// measured yet.
pub(crate) fn compliance_query(
    statuses: Option<Vec<ComplianceStatus>>,
    field: &str,
    today: NaiveDate,
) -> Result<Option<ComplianceQuery>> {
    let Some(statuses) = statuses else {
        return Ok(None);
    };
    if statuses.is_empty() {
        return Err(gql(ApiError::bad_input(
            field,
            "must name at least one status",
        )));
    }
    let statuses: Vec<DomainStatus> = statuses.into_iter().map(Into::into).collect();
    if statuses.contains(&DomainStatus::NotMeasured) {
        return Err(gql(ApiError::bad_input(
            field,
            "takes COMPLIANT, AT_RISK or BREACHED: NOT_MEASURED cannot be filtered on",
        )));
    }
    Ok(Some(ComplianceQuery {
        statuses,
        on: today,
    }))
}
