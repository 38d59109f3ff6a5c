//! Listing and reading agreements: the connection, its batch loading, the filter and the
//! queries.

use crate::graphql::order::AgreementOrder;
use std::collections::BTreeSet;

use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;
use rapport_domain::agreement::{Agreement, MeasurementPeriod, Period};
use rapport_domain::ids::AgreementId;
use rapport_domain::permissions::{Action, Resource};

use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::graphql::connection::connection;
use crate::graphql::context::{RequestState, state};
use crate::graphql::error::{GqlResultExt, gql};
use crate::graphql::filters::AgreementFilter;
use crate::graphql::pagination::page_request;
use crate::graphql::prime::fetch;
use crate::store::{AgreementQuery, AgreementSort, Store, StoreError};

use super::node::AgreementNode;
use super::outputs::actors_of;
use super::{agreement_id, compliance_date, load_agreement, may};

async fn count_agreements(
    store: &Store,
    scope: ReadScope,
    query: &AgreementQuery,
) -> Result<u64, StoreError> {
    store.agreements_count(scope, query).await
}

connection!(
    AgreementConnection,
    AgreementEdge,
    AgreementNode,
    Agreement,
    AgreementQuery,
    count_agreements,
    prime_agreements
);

/// The accounts of a page of agreements came with the page (each agreement's fields need its
/// account for permissions; see [`list`]): what is selected under them is preloaded, and, when `compliance` is selected, the measurements and
/// credits it reads, one statement each for the whole page (see `graphql::prime`).
async fn prime_agreements(
    ctx: &Context<'_>,
    selection: async_graphql::Lookahead<'_>,
    items: &[Agreement],
) -> Result<()> {
    let st = state(ctx);
    let mut ids: Vec<_> = items.iter().map(Agreement::account).collect();
    ids.sort();
    ids.dedup();
    crate::graphql::prime::fed_accounts(ctx, selection.field("account"), &ids).await?;
    if [
        "createdBy",
        "approvedBy",
        "revisions",
        "reviews",
        "termination",
    ]
    .iter()
    .any(|f| selection.field(f).exists())
    {
        crate::graphql::people::shown(st, items.iter().flat_map(actors_of)).await?;
    }
    let compliance = selection.field("compliance");
    if !compliance.exists() || items.is_empty() {
        return Ok(());
    }
    // The dates asked for; a bad one is left to the resolver to report.
    let dates: BTreeSet<NaiveDate> = compliance
        .selection_fields()
        .iter()
        .filter_map(|field| {
            let period = field
                .arguments()
                .ok()?
                .into_iter()
                .find(|(name, _)| name.as_str() == "period")
                .map(|(_, value)| value);
            match period {
                None | Some(async_graphql::Value::Null) => compliance_date(st, None).ok(),
                Some(async_graphql::Value::String(d)) => compliance_date(st, Some(&d)).ok(),
                Some(_) => None,
            }
        })
        .collect();
    let periods: Vec<(NaiveDate, NaiveDate)> = dates
        .iter()
        .map(|d| {
            (
                Period::containing(*d, MeasurementPeriod::Monthly).start(),
                Period::containing(*d, MeasurementPeriod::Quarterly).start(),
            )
        })
        .collect();
    let measurements: BTreeSet<(AgreementId, NaiveDate)> = items
        .iter()
        .flat_map(|a| periods.iter().map(move |(_, quarter)| (a.id(), *quarter)))
        .collect();
    fetch(&st.quarter_measurements, measurements.into_iter().collect()).await?;
    if compliance.field("creditsIncurred").exists() {
        let mut credits = BTreeSet::new();
        for a in items {
            if may(st, a, Action::ReadAgreementTerms).await {
                for (month, quarter) in &periods {
                    credits.insert((a.id(), *month));
                    credits.insert((a.id(), *quarter));
                }
            }
        }
        fetch(&st.period_credits, credits.into_iter().collect()).await?;
    }
    Ok(())
}

/// Whether the connection resolving in `ctx` asks for its agreements' accounts' managers.
pub(crate) fn managers_asked(ctx: &Context<'_>) -> bool {
    let connection = ctx.look_ahead();
    [
        connection.field("edges").field("node"),
        connection.field("nodes"),
    ]
    .iter()
    .any(|node| node.field("account").field("accountManager").exists())
}

/// Lists agreements within the caller's scope. The page comes with its agreements' accounts
/// (and, when `managers`, the accounts' managers), fed to the request's loaders: two
/// statements for the page and everything hanging off it.
pub(crate) async fn list(
    st: &RequestState,
    query: AgreementQuery,
    page: crate::store::PageRequest<AgreementSort>,
    managers: bool,
) -> Result<AgreementConnection> {
    st.ctx()
        .authorize(Action::ReadAgreement, &Resource::Global, "agreement")
        .gql()?;
    if page.order.iter().any(|s| {
        matches!(
            s.field,
            AgreementSort::TermEnd | AgreementSort::CancelBy | AgreementSort::NextReviewOn
        )
    }) {
        crate::graphql::order::refuse_terms_sort(st)?;
    }
    let managers = managers && crate::graphql::prime::reads_team(st);
    let (page, joined) = st
        .store
        .agreements_page_with_accounts(st.scope(), &query, &page, managers)
        .await
        .gql()?;
    crate::graphql::prime::feed(st, joined).await;
    Ok(AgreementConnection { page, query })
}

/// Agreement queries.
#[derive(Debug, Default)]
pub struct AgreementQueries;

#[Object]
impl AgreementQueries {
    /// One agreement; NOT_FOUND when it does not exist or is outside the caller's scope.
    async fn agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the agreement.")] id: ID,
    ) -> Result<Option<AgreementNode>> {
        let Ok(id) = agreement_id("id", &id) else {
            return Err(gql(ApiError::NotFound("agreement")));
        };
        Ok(Some(load_agreement(state(ctx), id).await?))
    }

    /// Agreements, oldest first; a partner sees only those of accounts it referred.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn agreements(
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
        #[graphql(
            desc = "Which agreements to list; all (within the caller's scope) when omitted."
        )]
        filter: Option<AgreementFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<AgreementOrder>>,
    ) -> Result<AgreementConnection> {
        let query = filter.unwrap_or_default().into_query("filter.")?;
        list(
            state(ctx),
            query,
            page_request(
                first,
                after,
                last,
                before,
                AgreementOrder::sorted(order_by)?,
            )?,
            managers_asked(ctx),
        )
        .await
    }
}
