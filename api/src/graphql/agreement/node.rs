//! The `Agreement` node and its fields.

use crate::graphql::order::ServiceCreditOrder;
use std::collections::BTreeSet;

use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;
use rapport_domain::agreement::{Agreement, MeasurementPeriod, Period};
use rapport_domain::ids::AgreementId;
use rapport_domain::permissions::Action;
use rapport_domain::values::Text;

use crate::global_id::Kind;
use crate::graphql::account::{AccountNode, load_visible};
use crate::graphql::connection::RowId;
use crate::graphql::context::state;
use crate::graphql::enums::AgreementStatus;
use crate::graphql::error::GqlResultExt;
use crate::graphql::filters::CreditFilter;
use crate::graphql::ids::to_id;
use crate::graphql::pagination::page_request;
use crate::graphql::scalars::{DateScalar, DateTimeScalar, DecimalScalar};
use crate::graphql::sections::{ConsequenceOut, MetricOut, MoneyOut, SummaryOut, TermsOut};
use crate::service;
use crate::store::StoredCredit;

use super::outputs::{
    AgreementRevision, ComplianceReportOut, MetricComplianceOut, PerformanceMeasurement,
    ReviewAndTerminationOut, ReviewOut, ServiceCreditConnection, TerminationOut, actors_of,
};
use super::{compliance_date, date, forbidden, may};

/// A formal agreement with an account.
#[derive(Debug, Clone)]
pub struct AgreementNode(pub Agreement);

impl RowId for Agreement {
    fn row_id(&self) -> i64 {
        self.id().get()
    }
}

/// A formal agreement with a (client) account: five sections (summary, terms, performance,
/// consequences, review and termination), a lifecycle from DRAFT to EXPIRED or TERMINATED, and
/// immutable revisions.
#[Object(name = "Agreement")]
impl AgreementNode {
    /// Global id, for `node(id:)` and every `agreementId` input.
    pub async fn id(&self) -> ID {
        to_id(Kind::Agreement, self.0.id().get())
    }
    /// The account the agreement is with.
    async fn account(&self, ctx: &Context<'_>) -> Result<AccountNode> {
        Ok(AccountNode(
            load_visible(state(ctx), self.0.account()).await?,
        ))
    }
    /// Where the agreement stands in its lifecycle.
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
        let shown = crate::graphql::people::shown(state(ctx), actors_of(&self.0)).await?;
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
        #[graphql(
            desc = "Any day of the period to report on (ISO 8601 date); today when omitted."
        )]
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
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn credits(
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
        #[graphql(desc = "Which of the agreement's credits to list; all when omitted.")]
        filter: Option<CreditFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<ServiceCreditOrder>>,
    ) -> Result<ServiceCreditConnection> {
        let st = state(ctx);
        if !may(st, &self.0, Action::ReadAgreementTerms).await {
            return forbidden();
        }
        let mut query = filter.unwrap_or_default().into_query("filter.")?;
        let page = page_request(
            first,
            after,
            last,
            before,
            ServiceCreditOrder::sorted(order_by)?,
        )?;
        // The filter's agreement and this one must both hold: another matches nothing.
        query.contradiction = query.agreement.is_some_and(|a| a != self.0.id());
        query.agreement = Some(self.0.id());
        let page = st
            .store
            .credits_page(st.scope(), &query, &page)
            .await
            .gql()?;
        Ok(ServiceCreditConnection { page, query })
    }
    /// Reviews held, oldest first.
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<ReviewOut>> {
        let shown = crate::graphql::people::shown(state(ctx), actors_of(&self.0)).await?;
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
            by: crate::graphql::people::show(state(ctx), &t.by).await?,
        }))
    }
    /// Who drafted it: the subject for staff, the display name for partners.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<String> {
        crate::graphql::people::show(state(ctx), self.0.created_by()).await
    }
    /// Who approved the revision in force: the subject for staff, the display name for
    /// partners.
    async fn approved_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self
            .0
            .current_revision()
            .and_then(|r| r.approved_by.as_deref())
        {
            Some(by) => Ok(Some(crate::graphql::people::show(state(ctx), by).await?)),
            None => Ok(None),
        }
    }
    /// When the first draft was created.
    async fn created_at(&self) -> DateTimeScalar {
        self.0.parts().created_at.into()
    }
    /// When the agreement last changed.
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
