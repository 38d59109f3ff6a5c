use async_graphql::{Context, ID, InputObject, Object, Result};
use rapport_domain::agreement::MetricKey;
use rapport_domain::permissions::{Action, Resource};

use super::DateRange;
use super::date_range::window;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::graphql::agreement::ServiceCreditConnection;
use crate::graphql::context::state;
use crate::graphql::error::{GqlResultExt, gql};
use crate::graphql::ids::account_id;
use crate::graphql::order::ServiceCreditOrder;
use crate::graphql::pagination::page_request;
use crate::store::CreditQuery;

/// Which service credits to list: every part given must hold (AND).
#[derive(Debug, Default, InputObject)]
pub struct CreditFilter {
    /// Only credits of this account's agreements.
    account_id: Option<ID>,
    /// Only credits of this agreement.
    agreement_id: Option<ID>,
    /// Only credits for this metric (its key, e.g. `frt`).
    metric_key: Option<String>,
    /// Only credits whose period starts in the window.
    period_start: Option<DateRange>,
}

impl CreditFilter {
    /// The store query; `prefix` names the argument in errors (`filter.`).
    pub(crate) fn into_query(self, prefix: &str) -> Result<CreditQuery> {
        let metric = match self.metric_key {
            None => None,
            Some(raw) => Some(
                MetricKey::parse(&format!("{prefix}metricKey"), &raw)
                    .map_err(|e| gql(ApiError::from(e)))?
                    .as_str()
                    .to_owned(),
            ),
        };
        let agreement = match self.agreement_id {
            None => None,
            Some(id) => Some(
                global_id::decode(Kind::Agreement, id.as_str())
                    .map(rapport_domain::ids::AgreementId::new)
                    .ok_or_else(|| {
                        gql(ApiError::bad_input(
                            format!("{prefix}agreementId"),
                            "is not an Agreement id",
                        ))
                    })?,
            ),
        };
        Ok(CreditQuery {
            agreement,
            account: self
                .account_id
                .map(|id| account_id(&format!("{prefix}accountId"), &id))
                .transpose()?,
            metric,
            period: window(self.period_start, &format!("{prefix}periodStart"))?,
            contradiction: false,
        })
    }
}

/// The service-credit ledger across agreements.
#[derive(Debug, Default)]
pub struct CreditQueries;

#[Object]
impl CreditQueries {
    /// Service credits across agreements (e.g. an account's, with `filter.accountId`),
    /// oldest first. Credits are money: FORBIDDEN to those who may not read agreement terms
    /// (support agents and partners), as `Agreement.credits` is.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn service_credits(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start of the list (or after `after`): 0 to 100. Without `first` and `last`, the first 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that item.")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end of the list (or before `before`): 0 to 100."
        )]
        last: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page ends just before that item.")]
        before: Option<String>,
        #[graphql(desc = "Which credits to list; all when omitted.")] filter: Option<CreditFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<ServiceCreditOrder>>,
    ) -> Result<ServiceCreditConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(
                Action::ReadAgreementTerms,
                &Resource::Global,
                "service credit",
            )
            .gql()?;
        let query = filter.unwrap_or_default().into_query("filter.")?;
        let page = st
            .store
            .credits_page(
                st.scope(),
                &query,
                &page_request(
                    first,
                    after,
                    last,
                    before,
                    ServiceCreditOrder::sorted(order_by)?,
                )?,
            )
            .await
            .gql()?;
        Ok(ServiceCreditConnection { page, query })
    }
}
