//! What the `Agreement` node's fields answer: sections, revisions, reviews, compliance and
//! the service-credit ledger.

use async_graphql::{Object, Result, SimpleObject};
use rapport_domain::agreement::{Agreement, Revision};
use rapport_domain::values::Text;

use crate::auth::ReadScope;
use crate::graphql::connection::{RowId, connection};
use crate::graphql::enums::{ComplianceStatus, ReviewOutcome, RevisionStatus, TerminationKind};
use crate::graphql::scalars::{DateScalar, DateTimeScalar, DecimalScalar};
use crate::graphql::sections::{MetricOut, MoneyOut};
use crate::store::{CreditQuery, Store, StoreError, StoredCredit};

use super::date;

impl RowId for StoredCredit {
    fn row_id(&self) -> i64 {
        self.id
    }
}

/// Section 3.
#[derive(Debug, SimpleObject)]
pub struct PerformanceMeasurement {
    /// The measured targets.
    pub(super) metrics: Vec<MetricOut>,
}

/// Section 5 with derived dates.
#[derive(Debug, SimpleObject)]
#[graphql(name = "ReviewAndTermination")]
pub struct ReviewAndTerminationOut {
    /// Months between reviews.
    pub(super) review_every_months: u32,
    /// Derived: the last review (or the start) plus the cadence.
    pub(super) next_review_on: Option<DateScalar>,
    /// Whether the agreement renews itself at the end of its term.
    pub(super) auto_renew: bool,
    /// Length of each renewed term, in months.
    pub(super) renewal_term_months: Option<u32>,
    /// Days of notice needed to terminate for convenience or not renew.
    pub(super) notice_period_days: u32,
    /// Derived: the end of the current term minus the notice period.
    pub(super) cancel_by: Option<DateScalar>,
    /// Last day of the current term.
    pub(super) term_end: Option<DateScalar>,
    /// Conditions under which either party may terminate, one per item.
    pub(super) termination_conditions: Vec<String>,
}

/// One revision. `createdBy` and `approvedBy` name a person: the subject for staff, the
/// display name for partners.
#[derive(Debug, SimpleObject)]
pub struct AgreementRevision {
    /// The revision's number: 1 for the original, then one more per amendment.
    pub(super) revision: u32,
    /// Where the revision stands.
    pub(super) status: RevisionStatus,
    /// When the revision was drafted.
    pub(super) created_at: DateTimeScalar,
    /// Who drafted it.
    pub(super) created_by: String,
    /// Who approved it; null until approved.
    pub(super) approved_by: Option<String>,
    /// First day this revision governs the agreement; null until approved.
    pub(super) in_force_from: Option<DateScalar>,
    /// What an amendment changes, as its author wrote it.
    pub(super) change_note: Option<String>,
    /// Why the approver rejected it; null unless REJECTED.
    pub(super) rejected_because: Option<String>,
}

/// Every subject an agreement records as having acted on it (for [`crate::graphql::people::shown`]).
pub(super) fn actors_of(a: &Agreement) -> impl Iterator<Item = &str> {
    a.revisions()
        .iter()
        .flat_map(|r| std::iter::once(r.created_by.as_str()).chain(r.approved_by.as_deref()))
        .chain(a.reviews().iter().map(|r| r.held_by.as_str()))
        .chain(a.termination().map(|t| t.by.as_str()))
        .chain(std::iter::once(a.created_by()))
}

impl AgreementRevision {
    pub(super) fn new(r: &Revision, shown: &crate::graphql::people::Shown) -> Self {
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
    /// The day the review was completed.
    pub(super) held_on: DateScalar,
    /// What the review decided.
    pub(super) outcome: ReviewOutcome,
    /// Notes taken at the review.
    pub(super) notes: Option<String>,
    /// Who completed the review.
    pub(super) held_by: String,
}

/// Notice of termination; `by` is the subject for staff, the display name for partners.
#[derive(Debug, SimpleObject)]
#[graphql(name = "Termination")]
pub struct TerminationOut {
    /// Why the agreement ends.
    pub(super) kind: TerminationKind,
    /// When notice was given.
    pub(super) notice_given_at: DateTimeScalar,
    /// First day no longer in force (NON_RENEWAL: the last day of the term).
    pub(super) effective_on: DateScalar,
    /// The reason given with the notice.
    pub(super) reason: String,
    /// Who gave notice.
    pub(super) by: String,
}

/// Compliance over a period.
#[derive(Debug, SimpleObject)]
#[graphql(name = "ComplianceReport")]
pub struct ComplianceReportOut {
    /// First day of the longest period reported (the quarter, when a metric is quarterly).
    pub(super) period_start: DateScalar,
    /// Last day of the longest period reported.
    pub(super) period_end: DateScalar,
    /// The worst status among the metrics: BREACHED, then AT_RISK, then COMPLIANT;
    /// NOT_MEASURED only when no metric was measured.
    pub(super) overall: ComplianceStatus,
    /// Each metric over its own period.
    pub(super) metrics: Vec<MetricComplianceOut>,
    /// Credits of the periods reported (null for callers who may not see money).
    pub(super) credits_incurred: Option<MoneyOut>,
}

/// Compliance of one metric over its period.
#[derive(Debug, SimpleObject)]
#[graphql(name = "MetricCompliance")]
pub struct MetricComplianceOut {
    /// The metric's `key`.
    pub(super) metric_key: String,
    /// First day of the metric's period.
    pub(super) period_start: DateScalar,
    /// Last day of the metric's period.
    pub(super) period_end: DateScalar,
    /// How the metric fared.
    pub(super) status: ComplianceStatus,
    /// The period's value by the metric's calculation; null when nothing was measured.
    pub(super) observed: Option<DecimalScalar>,
    /// The target of the revision in force then.
    pub(super) target: DecimalScalar,
    /// Measurements recorded in the period.
    pub(super) measurement_count: i32,
}

/// A service credit in the ledger.
#[derive(Debug, Clone)]
pub struct ServiceCreditNode(pub StoredCredit);

/// A service credit in the ledger: what a breach of one metric cost in one period.
#[Object(name = "ServiceCredit")]
impl ServiceCreditNode {
    /// The agreement whose ledger the credit is in.
    async fn agreement_id(&self) -> async_graphql::ID {
        crate::graphql::ids::to_id(crate::global_id::Kind::Agreement, self.0.agreement.get())
    }
    /// The `key` of the breached metric.
    async fn metric_key(&self) -> &str {
        &self.0.metric_key
    }
    /// First day of the period the credit is for.
    async fn period_start(&self) -> DateScalar {
        date(self.0.period_start)
    }
    /// The credit, in the fee's currency.
    async fn amount(&self) -> MoneyOut {
        MoneyOut::raw(&self.0.amount, &self.0.currency)
    }
    /// How the credit was computed (the rule and how far the target was missed).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

async fn count_credits(
    store: &Store,
    scope: ReadScope,
    query: &CreditQuery,
) -> Result<u64, StoreError> {
    store.credits_count(scope, query).await
}

connection!(
    ServiceCreditConnection,
    ServiceCreditEdge,
    ServiceCreditNode,
    StoredCredit,
    CreditQuery,
    count_credits,
    crate::graphql::prime::nothing
);
