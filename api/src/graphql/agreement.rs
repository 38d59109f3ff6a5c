//! Agreements over GraphQL. Sections a caller may not see (terms, money, consequences for
//! support agents and partners) answer FORBIDDEN on that field; the fee inside the summary is
//! null for them.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use rapport_domain::agreement::{
    Agreement, AgreementStatus as DomainStatus, MeasurementPeriod, NewMeasurement, Period, Revision,
};
use rapport_domain::ids::AgreementId;
use rapport_domain::permissions::{Action, Resource, authorize};
use rapport_domain::values::Text;

use super::account::{AccountNode, load_visible, visible};
use super::connection::{RowId, connection};
use super::context::{RequestState, state};
use super::enums::{
    AgreementStatus, ComplianceStatus, ReviewOutcome, RevisionStatus, TerminationKind,
};
use super::error::{GqlResultExt, gql};
use super::ids::{account_id, to_id};
use super::pagination::{connection_complexity, page_request};
use super::scalars::{DateScalar, DateTimeScalar, DecimalScalar};
use super::sections::{
    AgreementSectionsInput, ConsequenceOut, MetricOut, MoneyOut, SummaryOut, TermsOut,
};
use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service;
use crate::store::{AgreementQuery, Recorded, Store, StoreError, StoredCredit};

/// A formal agreement with an account.
#[derive(Debug, Clone)]
pub struct AgreementNode(pub Agreement);

impl RowId for Agreement {
    fn row_id(&self) -> i64 {
        self.id().get()
    }
}

impl RowId for StoredCredit {
    fn row_id(&self) -> i64 {
        self.id
    }
}

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

#[Object(name = "Agreement")]
impl AgreementNode {
    pub async fn id(&self) -> ID {
        to_id(Kind::Agreement, self.0.id().get())
    }
    async fn account(&self, ctx: &Context<'_>) -> Result<AccountNode> {
        Ok(AccountNode(
            load_visible(state(ctx), self.0.account()).await?,
        ))
    }
    async fn status(&self) -> AgreementStatus {
        self.0.status().into()
    }
    /// Optimistic-concurrency version; every agreement mutation takes it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.parts().version
    }
    /// Number of the revision in force (or of the draft before approval).
    async fn revision(&self) -> u32 {
        self.0
            .current_revision()
            .map_or(self.0.latest_revision().number, |r| r.number)
    }
    /// Every revision, oldest first; revisions are immutable once submitted.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<AgreementRevision>> {
        let shown = super::people::shown(state(ctx), actors_of(&self.0)).await?;
        Ok(self
            .0
            .revisions()
            .iter()
            .map(|r| AgreementRevision::new(r, &shown))
            .collect())
    }
    /// Section 1; the fee is null for callers who may not see money.
    async fn summary(&self, ctx: &Context<'_>) -> Option<SummaryOut> {
        let st = state(ctx);
        let summary = self.0.sections().summary.as_ref()?;
        let mut out = SummaryOut::from(summary);
        if !may(st, &self.0, Action::ReadAgreementTerms).await {
            out.hide_fee();
        }
        Some(out)
    }
    /// Section 2 (FORBIDDEN for support agents and partners).
    async fn terms(&self, ctx: &Context<'_>) -> Result<Option<TermsOut>> {
        if !may(state(ctx), &self.0, Action::ReadAgreementTerms).await {
            return forbidden();
        }
        Ok(self.0.sections().terms.as_ref().map(TermsOut::from))
    }
    /// Section 3: the metrics and their targets.
    async fn performance(&self) -> Option<PerformanceMeasurement> {
        self.0
            .sections()
            .metrics
            .as_ref()
            .map(|ms| PerformanceMeasurement {
                metrics: ms.iter().map(MetricOut::from).collect(),
            })
    }
    /// Section 4 (FORBIDDEN for support agents and partners).
    async fn consequences(&self, ctx: &Context<'_>) -> Result<Option<Vec<ConsequenceOut>>> {
        if !may(state(ctx), &self.0, Action::ReadAgreementTerms).await {
            return forbidden();
        }
        Ok(self
            .0
            .sections()
            .consequences
            .as_ref()
            .map(|rs| rs.iter().map(ConsequenceOut::from).collect()))
    }
    /// Section 5 with its derived dates (FORBIDDEN for support agents and partners).
    async fn review_and_termination(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<ReviewAndTerminationOut>> {
        if !may(state(ctx), &self.0, Action::ReadAgreementTerms).await {
            return forbidden();
        }
        Ok(self
            .0
            .sections()
            .review
            .as_ref()
            .map(|r| ReviewAndTerminationOut {
                review_every_months: r.review_every_months,
                next_review_on: self.0.next_review_on().map(date),
                auto_renew: r.auto_renew,
                renewal_term_months: r.renewal_term_months,
                notice_period_days: r.notice_period_days,
                cancel_by: self.0.cancel_by().map(date),
                term_end: self.0.term_end().map(date),
                termination_conditions: r
                    .termination_conditions
                    .iter()
                    .map(Text::to_string)
                    .collect(),
            }))
    }
    /// Compliance for the period containing `period` (default: today), each metric judged
    /// over its own calendar month or quarter against the revision in force then.
    async fn compliance(
        &self,
        ctx: &Context<'_>,
        period: Option<DateScalar>,
    ) -> Result<ComplianceReportOut> {
        let st = state(ctx);
        let date = compliance_date(st, period.as_ref().map(|p| p.0.as_str()))?;
        let quarter = Period::containing(date, MeasurementPeriod::Quarterly).start();
        let measurements = st
            .quarter_measurements
            .load_one((self.0.id(), quarter))
            .await
            .gql()?
            .unwrap_or_default();
        let report = service::agreement_compute::report_from(&self.0, date, &measurements);
        let credits = if ctx.look_ahead().field("creditsIncurred").exists()
            && may(st, &self.0, Action::ReadAgreementTerms).await
        {
            let keys: BTreeSet<(AgreementId, NaiveDate)> = report
                .metrics
                .iter()
                .map(|m| (self.0.id(), m.period.start()))
                .collect();
            let all: Vec<StoredCredit> = st
                .period_credits
                .load_many(keys)
                .await
                .gql()?
                .into_values()
                .flatten()
                .collect();
            total(&all, &self.0)
        } else {
            None
        };
        Ok(ComplianceReportOut {
            period_start: date_of(report.period_start),
            period_end: date_of(report.period_end),
            overall: report.overall.into(),
            metrics: report
                .metrics
                .iter()
                .map(|m| MetricComplianceOut {
                    metric_key: m.metric_key.to_string(),
                    period_start: date_of(m.period.start()),
                    period_end: date_of(m.period.end()),
                    status: m.status.into(),
                    observed: m.observed.map(|o| DecimalScalar(o.normalize().to_string())),
                    target: DecimalScalar(m.target.normalize().to_string()),
                    measurement_count: i32::try_from(m.measurement_count).unwrap_or(i32::MAX),
                })
                .collect(),
            credits_incurred: credits,
        })
    }
    /// The service-credit ledger (FORBIDDEN for support agents and partners).
    #[graphql(complexity = "connection_complexity(child_complexity, first, last)")]
    async fn credits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ServiceCreditConnection> {
        let st = state(ctx);
        if !may(st, &self.0, Action::ReadAgreementTerms).await {
            return forbidden();
        }
        let page = st
            .store
            .credits_page(
                st.scope(),
                self.0.id(),
                page_request(first, after, last, before)?,
            )
            .await
            .gql()?;
        Ok(ServiceCreditConnection {
            page,
            query: self.0.id(),
        })
    }
    /// Reviews held, oldest first.
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<ReviewOut>> {
        let shown = super::people::shown(state(ctx), actors_of(&self.0)).await?;
        Ok(self
            .0
            .reviews()
            .iter()
            .map(|r| ReviewOut {
                held_on: date(r.held_on),
                outcome: r.outcome.into(),
                notes: r.notes.as_ref().map(Text::to_string),
                held_by: shown.of(&r.held_by),
            })
            .collect())
    }
    /// Notice of termination, once given.
    async fn termination(&self, ctx: &Context<'_>) -> Result<Option<TerminationOut>> {
        let Some(t) = self.0.termination() else {
            return Ok(None);
        };
        Ok(Some(TerminationOut {
            kind: t.kind.into(),
            notice_given_at: t.notice_given_at.into(),
            effective_on: date(t.effective_on),
            reason: t.reason.to_string(),
            by: super::people::show(state(ctx), &t.by).await?,
        }))
    }
    /// Who drafted it: the subject for staff, the display name for partners.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<String> {
        super::people::show(state(ctx), self.0.created_by()).await
    }
    /// Who approved the revision in force: the subject for staff, the display name for
    /// partners.
    async fn approved_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self
            .0
            .current_revision()
            .and_then(|r| r.approved_by.as_deref())
        {
            Some(by) => Ok(Some(super::people::show(state(ctx), by).await?)),
            None => Ok(None),
        }
    }
    async fn created_at(&self) -> DateTimeScalar {
        self.0.parts().created_at.into()
    }
    async fn updated_at(&self) -> DateTimeScalar {
        self.0.parts().updated_at.into()
    }
}

fn date_of(d: NaiveDate) -> DateScalar {
    date(d)
}

fn total(credits: &[StoredCredit], agreement: &Agreement) -> Option<MoneyOut> {
    let currency = agreement
        .sections()
        .summary
        .as_ref()?
        .fee
        .as_ref()?
        .currency();
    let sum: rust_decimal::Decimal = credits
        .iter()
        .filter_map(|c| c.amount.parse::<rust_decimal::Decimal>().ok())
        .sum();
    Some(MoneyOut::from(&rapport_domain::agreement::Money::new(
        sum, currency,
    )))
}

/// Section 3.
#[derive(Debug, SimpleObject)]
pub struct PerformanceMeasurement {
    metrics: Vec<MetricOut>,
}

/// Section 5 with derived dates.
#[derive(Debug, SimpleObject)]
#[graphql(name = "ReviewAndTermination")]
pub struct ReviewAndTerminationOut {
    review_every_months: u32,
    /// Derived: the last review (or the start) plus the cadence.
    next_review_on: Option<DateScalar>,
    auto_renew: bool,
    renewal_term_months: Option<u32>,
    notice_period_days: u32,
    /// Derived: the end of the current term minus the notice period.
    cancel_by: Option<DateScalar>,
    /// Last day of the current term.
    term_end: Option<DateScalar>,
    termination_conditions: Vec<String>,
}

/// One revision. `createdBy` and `approvedBy` name a person: the subject for staff, the
/// display name for partners.
#[derive(Debug, SimpleObject)]
pub struct AgreementRevision {
    revision: u32,
    status: RevisionStatus,
    created_at: DateTimeScalar,
    created_by: String,
    approved_by: Option<String>,
    in_force_from: Option<DateScalar>,
    change_note: Option<String>,
    rejected_because: Option<String>,
}

/// Every subject an agreement records as having acted on it (for [`super::people::shown`]).
fn actors_of(a: &Agreement) -> impl Iterator<Item = &str> {
    a.revisions()
        .iter()
        .flat_map(|r| std::iter::once(r.created_by.as_str()).chain(r.approved_by.as_deref()))
        .chain(a.reviews().iter().map(|r| r.held_by.as_str()))
        .chain(a.termination().map(|t| t.by.as_str()))
        .chain(std::iter::once(a.created_by()))
}

impl AgreementRevision {
    fn new(r: &Revision, shown: &super::people::Shown) -> Self {
        Self {
            revision: r.number,
            status: r.status.into(),
            created_at: r.created_at.into(),
            created_by: shown.of(&r.created_by),
            approved_by: r.approved_by.as_deref().map(|by| shown.of(by)),
            in_force_from: r.in_force_from.map(date),
            change_note: r.change_note.as_ref().map(Text::to_string),
            rejected_because: r.rejection.as_ref().map(|x| x.reason.to_string()),
        }
    }
}

/// A review held; `heldBy` is the subject for staff, the display name for partners.
#[derive(Debug, SimpleObject)]
#[graphql(name = "Review")]
pub struct ReviewOut {
    held_on: DateScalar,
    outcome: ReviewOutcome,
    notes: Option<String>,
    held_by: String,
}

/// Notice of termination; `by` is the subject for staff, the display name for partners.
#[derive(Debug, SimpleObject)]
#[graphql(name = "Termination")]
pub struct TerminationOut {
    kind: TerminationKind,
    notice_given_at: DateTimeScalar,
    /// First day no longer in force (NON_RENEWAL: the last day of the term).
    effective_on: DateScalar,
    reason: String,
    by: String,
}

/// Compliance over a period.
#[derive(Debug, SimpleObject)]
#[graphql(name = "ComplianceReport")]
pub struct ComplianceReportOut {
    period_start: DateScalar,
    period_end: DateScalar,
    overall: ComplianceStatus,
    metrics: Vec<MetricComplianceOut>,
    /// Credits of the periods reported (null for callers who may not see money).
    credits_incurred: Option<MoneyOut>,
}

/// Compliance of one metric over its period.
#[derive(Debug, SimpleObject)]
#[graphql(name = "MetricCompliance")]
pub struct MetricComplianceOut {
    metric_key: String,
    period_start: DateScalar,
    period_end: DateScalar,
    status: ComplianceStatus,
    observed: Option<DecimalScalar>,
    target: DecimalScalar,
    measurement_count: i32,
}

/// A service credit in the ledger.
#[derive(Debug, Clone)]
pub struct ServiceCreditNode(pub StoredCredit);

#[Object(name = "ServiceCredit")]
impl ServiceCreditNode {
    async fn metric_key(&self) -> &str {
        &self.0.metric_key
    }
    async fn period_start(&self) -> DateScalar {
        date(self.0.period_start)
    }
    async fn amount(&self) -> MoneyOut {
        MoneyOut::raw(&self.0.amount, &self.0.currency)
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

async fn count_credits(
    store: &Store,
    scope: ReadScope,
    agreement: &AgreementId,
) -> Result<u64, StoreError> {
    store.credits_count(scope, *agreement).await
}

connection!(
    ServiceCreditConnection,
    ServiceCreditEdge,
    ServiceCreditNode,
    StoredCredit,
    AgreementId,
    count_credits,
    super::prime::nothing
);

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

/// Loads the accounts of a page of agreements in one batch (each agreement's fields need its
/// account for permissions), and, when `compliance` is selected, the measurements and credits
/// it reads, one batch each for the whole page.
async fn prime_agreements(
    ctx: &Context<'_>,
    selection: async_graphql::Lookahead<'_>,
    items: &[Agreement],
) -> Result<()> {
    let st = state(ctx);
    let mut ids: Vec<_> = items.iter().map(Agreement::account).collect();
    ids.sort();
    ids.dedup();
    st.accounts.load_many(ids).await.gql()?;
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
        super::people::shown(st, items.iter().flat_map(actors_of)).await?;
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
    st.quarter_measurements
        .load_many(measurements)
        .await
        .gql()?;
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
        st.period_credits.load_many(credits).await.gql()?;
    }
    Ok(())
}

/// Lists agreements within the caller's scope.
pub(crate) async fn list(
    st: &RequestState,
    query: AgreementQuery,
    page: crate::store::PageRequest,
) -> Result<AgreementConnection> {
    st.ctx()
        .authorize(Action::ReadAgreement, &Resource::Global, "agreement")
        .gql()?;
    let page = st
        .store
        .agreements_page(st.scope(), &query, page)
        .await
        .gql()?;
    Ok(AgreementConnection { page, query })
}

/// Which agreements to list.
#[derive(Debug, Default, InputObject)]
pub struct AgreementFilter {
    status: Option<AgreementStatus>,
    /// Only agreements in force (ACTIVE or UNDER_REVIEW), or only those not in force.
    in_force: Option<bool>,
    account_id: Option<ID>,
}

impl AgreementFilter {
    pub(crate) fn into_query(self) -> Result<AgreementQuery> {
        Ok(AgreementQuery {
            account: self
                .account_id
                .map(|id| account_id("filter.accountId", &id))
                .transpose()?,
            status: self.status.map(DomainStatus::from),
            in_force: self.in_force,
        })
    }
}

fn agreement_id(field: &str, id: &ID) -> Result<AgreementId> {
    global_id::decode(Kind::Agreement, id.as_str())
        .map(AgreementId::new)
        .ok_or_else(|| gql(ApiError::bad_input(field, "is not an Agreement id")))
}

/// Agreement queries.
#[derive(Debug, Default)]
pub struct AgreementQueries;

#[Object]
impl AgreementQueries {
    /// One agreement; NOT_FOUND when it does not exist or is outside the caller's scope.
    async fn agreement(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AgreementNode>> {
        let Ok(id) = agreement_id("id", &id) else {
            return Err(gql(ApiError::NotFound("agreement")));
        };
        Ok(Some(load_agreement(state(ctx), id).await?))
    }

    /// Agreements, oldest first; a partner sees only those of accounts it referred.
    #[graphql(complexity = "connection_complexity(child_complexity, first, last)")]
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AgreementFilter>,
    ) -> Result<AgreementConnection> {
        let query = filter.unwrap_or_default().into_query()?;
        list(state(ctx), query, page_request(first, after, last, before)?).await
    }
}

/// Input of `createAgreementDraft`.
#[derive(Debug, InputObject)]
pub struct CreateAgreementDraftInput {
    account_id: ID,
    #[graphql(default)]
    sections: AgreementSectionsInput,
}

/// Input of `updateAgreementDraft`: the draft's sections are replaced by these.
#[derive(Debug, InputObject)]
pub struct UpdateAgreementDraftInput {
    agreement_id: ID,
    expected_version: i32,
    sections: AgreementSectionsInput,
}

/// Input of the plain agreement actions.
#[derive(Debug, InputObject)]
pub struct AgreementActionInput {
    agreement_id: ID,
    expected_version: i32,
    /// Why (required to reject).
    reason: Option<String>,
}

/// Input of `proposeAmendment`: the complete sections of the new revision.
#[derive(Debug, InputObject)]
pub struct ProposeAmendmentInput {
    agreement_id: ID,
    expected_version: i32,
    sections: AgreementSectionsInput,
    change_note: Option<String>,
}

/// Input of `completeReview`.
#[derive(Debug, InputObject)]
pub struct CompleteReviewInput {
    agreement_id: ID,
    expected_version: i32,
    outcome: ReviewOutcome,
    notes: Option<String>,
}

/// Input of `terminateAgreement`.
#[derive(Debug, InputObject)]
pub struct TerminateAgreementInput {
    agreement_id: ID,
    expected_version: i32,
    kind: TerminationKind,
    reason: String,
    /// CONVENIENCE and FOR_CAUSE: the first day no longer in force. NON_RENEWAL: the term's end.
    effective_on: DateScalar,
}

/// One measurement in input.
#[derive(Debug, InputObject)]
pub struct MeasurementInput {
    metric_key: String,
    value: DecimalScalar,
    observed_at: DateTimeScalar,
    /// Where the value comes from (`zendesk`, `manual`); part of its identity.
    source: String,
}

/// Input of `recordMeasurements`.
#[derive(Debug, InputObject)]
pub struct RecordMeasurementsInput {
    agreement_id: ID,
    /// Checked when given; recording measurements does not change the agreement's version.
    expected_version: Option<i32>,
    measurements: Vec<MeasurementInput>,
}

/// Result of an agreement mutation.
#[derive(Debug, SimpleObject)]
pub struct AgreementPayload {
    agreement: AgreementNode,
}

/// What happened to one measurement of a batch.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum MeasurementOutcome {
    /// Recorded.
    Recorded,
    /// Already recorded: nothing changed.
    Unchanged,
    /// Same observation with another value: corrected.
    Corrected,
    /// Refused; see `error`.
    Refused,
}

/// A refused item's problem.
#[derive(Debug, SimpleObject)]
pub struct ItemError {
    /// The input field, like `measurements[2].value`.
    field: String,
    message: String,
}

/// The outcome of one item of a batch.
#[derive(Debug, SimpleObject)]
pub struct MeasurementResult {
    index: i32,
    outcome: MeasurementOutcome,
    errors: Vec<ItemError>,
}

/// Result of `recordMeasurements`.
#[derive(Debug, SimpleObject)]
pub struct RecordMeasurementsPayload {
    agreement: AgreementNode,
    results: Vec<MeasurementResult>,
    recorded_count: i32,
    refused_count: i32,
}

fn parse_sections(input: AgreementSectionsInput) -> Result<rapport_domain::agreement::Sections> {
    input.into_sections().gql()
}

/// Agreement mutations.
#[derive(Debug, Default)]
pub struct AgreementMutations;

#[Object]
impl AgreementMutations {
    /// Starts a draft; any of the five sections may be left out until submission.
    async fn create_agreement_draft(
        &self,
        ctx: &Context<'_>,
        input: CreateAgreementDraftInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let account = account_id("accountId", &input.account_id)?;
        let sections = parse_sections(input.sections)?;
        let a = service::create_agreement_draft(&st.ctx(), account, sections)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Replaces a draft's sections.
    async fn update_agreement_draft(
        &self,
        ctx: &Context<'_>,
        input: UpdateAgreementDraftInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let sections = parse_sections(input.sections)?;
        let a = service::update_agreement_draft(&st.ctx(), id, input.expected_version, sections)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Submits a draft for approval; refuses an incomplete or incoherent one naming every problem.
    async fn submit_agreement(
        &self,
        ctx: &Context<'_>,
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::submit_agreement(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Approves the pending revision (admins; never its author).
    async fn approve_agreement(
        &self,
        ctx: &Context<'_>,
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::approve_agreement(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Rejects the pending revision with a reason.
    async fn reject_agreement(
        &self,
        ctx: &Context<'_>,
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let reason = Text::reason("reason", input.reason.as_deref().unwrap_or_default()).gql()?;
        let a = service::reject_agreement(&st.ctx(), id, input.expected_version, reason)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Proposes an amendment: a new revision approved like a draft, then in force.
    async fn propose_amendment(
        &self,
        ctx: &Context<'_>,
        input: ProposeAmendmentInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let sections = parse_sections(input.sections)?;
        let note = input
            .change_note
            .map(|n| Text::reason("changeNote", &n))
            .transpose()
            .gql()?;
        let a = service::propose_amendment(&st.ctx(), id, input.expected_version, sections, note)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Records a batch of measurements; refused items are reported one by one.
    async fn record_measurements(
        &self,
        ctx: &Context<'_>,
        input: RecordMeasurementsInput,
    ) -> Result<RecordMeasurementsPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let items: Vec<NewMeasurement> = input
            .measurements
            .into_iter()
            .map(|m| NewMeasurement {
                metric_key: m.metric_key,
                value: m.value.0,
                observed_at: m.observed_at.0,
                source: m.source,
            })
            .collect();
        let result = service::record_measurements(&st.ctx(), id, input.expected_version, &items)
            .await
            .gql()?;
        let mut results: Vec<MeasurementResult> = result
            .recorded
            .iter()
            .map(|(i, r)| MeasurementResult {
                index: i32::try_from(*i).unwrap_or(i32::MAX),
                outcome: match r {
                    Recorded::Inserted => MeasurementOutcome::Recorded,
                    Recorded::Unchanged => MeasurementOutcome::Unchanged,
                    Recorded::Corrected => MeasurementOutcome::Corrected,
                },
                errors: vec![],
            })
            .collect();
        for (i, e) in &result.errors {
            let index = i32::try_from(*i).unwrap_or(i32::MAX);
            let item = ItemError {
                field: e.field.clone(),
                message: e.message.clone(),
            };
            match results.iter_mut().find(|r| r.index == index) {
                Some(r) => r.errors.push(item),
                None => results.push(MeasurementResult {
                    index,
                    outcome: MeasurementOutcome::Refused,
                    errors: vec![item],
                }),
            }
        }
        results.sort_by_key(|r| r.index);
        let refused = results
            .iter()
            .filter(|r| r.outcome == MeasurementOutcome::Refused)
            .count();
        Ok(RecordMeasurementsPayload {
            recorded_count: i32::try_from(results.len() - refused).unwrap_or(i32::MAX),
            refused_count: i32::try_from(refused).unwrap_or(i32::MAX),
            results,
            agreement: AgreementNode(result.agreement),
        })
    }

    /// Starts a review.
    async fn start_review(
        &self,
        ctx: &Context<'_>,
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::start_review(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Completes a review: continue, amend (an amendment follows) or terminate.
    async fn complete_review(
        &self,
        ctx: &Context<'_>,
        input: CompleteReviewInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let notes = input
            .notes
            .map(|n| Text::reason("notes", &n))
            .transpose()
            .gql()?;
        let a = service::complete_review(
            &st.ctx(),
            id,
            input.expected_version,
            input.outcome.into(),
            notes,
        )
        .await
        .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Renews into a new term.
    async fn renew_agreement(
        &self,
        ctx: &Context<'_>,
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::renew_agreement(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Gives notice of termination.
    async fn terminate_agreement(
        &self,
        ctx: &Context<'_>,
        input: TerminateAgreementInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let reason = Text::reason("reason", &input.reason).gql()?;
        let effective_on =
            NaiveDate::parse_from_str(&input.effective_on.0, "%Y-%m-%d").map_err(|_| {
                gql(ApiError::bad_input(
                    "effectiveOn",
                    "is not a date like 2026-11-22",
                ))
            })?;
        let a = service::terminate_agreement(
            &st.ctx(),
            id,
            input.expected_version,
            input.kind.into(),
            reason,
            effective_on,
        )
        .await
        .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }
}
