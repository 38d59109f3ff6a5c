//! Agreements over GraphQL. Sections a caller may not see (terms, money, consequences for
//! support agents and partners) answer FORBIDDEN on that field; the fee inside the summary is
//! null for them.

mod inputs;
mod mutations;
mod node;
mod outputs;
mod query;

use async_graphql::{ID, Result};
use chrono::NaiveDate;
use rapport_domain::agreement::Agreement;
use rapport_domain::ids::AgreementId;
use rapport_domain::permissions::{Action, Resource, authorize};

use super::account::{load_visible, visible};
use super::context::RequestState;
use super::error::{GqlResultExt, gql};
use super::scalars::DateScalar;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service;

pub use mutations::AgreementMutations;
pub use node::AgreementNode;
pub use outputs::ServiceCreditConnection;
pub use query::{AgreementConnection, AgreementQueries};
pub(crate) use query::{list, managers_asked};

/// Whether the caller may perform `action` on the agreement's account (the account comes from
/// the request's loader cache).
async fn may(st: &RequestState, agreement: &Agreement, action: Action) -> bool {
    match st.accounts.load_one(agreement.account()).await {
        Ok(Some(account)) => authorize(
            &st.caller.principal,
            action,
            &Resource::Account(service::account_scope(&account)),
        )
        .is_ok(),
        _ => false,
    }
}

fn forbidden<T>() -> Result<T> {
    Err(gql(ApiError::Forbidden))
}

fn date(d: NaiveDate) -> DateScalar {
    DateScalar(d.to_string())
}

/// Loads an agreement the caller may see, or NOT_FOUND.
pub(crate) async fn load_agreement(st: &RequestState, id: AgreementId) -> Result<AgreementNode> {
    let agreement = st
        .store
        .agreements_by_ids(st.scope(), &[id])
        .await
        .gql()?
        .pop();
    let Some(agreement) = agreement else {
        return Err(gql(ApiError::NotFound("agreement")));
    };
    let account = load_visible(st, agreement.account())
        .await
        .map_err(|_| gql(ApiError::NotFound("agreement")))?;
    if !visible(st, &account) {
        return Err(gql(ApiError::NotFound("agreement")));
    }
    Ok(AgreementNode(agreement))
}

/// The day `compliance(period:)` reports on: the given date, or today.
fn compliance_date(st: &RequestState, period: Option<&str>) -> Result<NaiveDate> {
    match period {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            gql(ApiError::bad_input(
                "period",
                "is not a date like 2026-11-22",
            ))
        }),
        None => Ok(st.now.date_naive()),
    }
}

fn agreement_id(field: &str, id: &ID) -> Result<AgreementId> {
    global_id::decode(Kind::Agreement, id.as_str())
        .map(AgreementId::new)
        .ok_or_else(|| gql(ApiError::bad_input(field, "is not an Agreement id")))
}
