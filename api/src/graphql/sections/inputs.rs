//! The sections of an agreement as a client sends them; parsed into domain sections by
//! `parse`.

use async_graphql::InputObject;

use crate::graphql::enums::{
    BillingCadence, Calculation, Comparator, ConsequenceKind, MeasurementPeriod, MetricKind,
    MetricUnit, Role,
};
use crate::graphql::scalars::{DateScalar, DecimalScalar};

mod parse;

/// An amount of money in input.
#[derive(Debug, InputObject)]
pub struct MoneyInput {
    /// The exact amount as a decimal string (`"1250.00"`), never a float.
    amount: DecimalScalar,
    /// ISO 4217 currency code (`EUR`, `USD`).
    currency: String,
}

/// Section 1 in input.
#[derive(Debug, InputObject)]
pub struct AgreementSummaryInput {
    /// The agreement's title.
    title: String,
    /// What the agreement is for, in a few sentences.
    purpose: String,
    /// First day in force.
    effective_from: DateScalar,
    /// Last day of the first term; null when open-ended.
    effective_until: Option<DateScalar>,
    /// Charged per billing period (ONE_OFF: the whole price).
    fee: Option<MoneyInput>,
    /// How often the fee is charged.
    billing_cadence: BillingCadence,
    /// Who signs for us.
    our_signatory: Option<String>,
    /// Who signs for the account.
    their_signatory: Option<String>,
}

/// A clause in input.
#[derive(Debug, InputObject)]
pub struct ClauseInput {
    /// The clause's heading (`Confidentiality`).
    heading: String,
    /// The clause's text.
    body: String,
}

/// Section 2 in input.
#[derive(Debug, InputObject)]
pub struct TermsOfServiceInput {
    /// The clauses, in order.
    clauses: Vec<ClauseInput>,
    /// What the service covers, one item each.
    #[graphql(default)]
    scope_items: Vec<String>,
    /// Days the client has to pay an invoice.
    payment_terms_days: Option<i32>,
}

/// A metric in input.
#[derive(Debug, InputObject)]
pub struct MetricInput {
    /// Short identifier of the metric, unique in the agreement (`first_response`); consequences
    /// and measurements refer to it.
    key: String,
    /// Human name of the metric (`First response time`).
    name: String,
    /// What the metric measures.
    kind: MetricKind,
    /// Unit of the target and of the measurements.
    unit: MetricUnit,
    /// Whether the target is a maximum (AT_MOST) or a minimum (AT_LEAST).
    comparator: Comparator,
    /// The target value, in `unit`.
    target: DecimalScalar,
    /// Where the metric becomes AT_RISK, on the good side of the target; none when omitted.
    warning_threshold: Option<DecimalScalar>,
    /// The calendar period each value is judged over.
    period: MeasurementPeriod,
    /// How a period's measurements become one value.
    calculation: Calculation,
}

/// Section 3 in input.
#[derive(Debug, InputObject)]
pub struct PerformanceMeasurementInput {
    /// The measured targets; their keys are unique.
    metrics: Vec<MetricInput>,
}

/// A credit tier in input.
#[derive(Debug, InputObject)]
pub struct CreditTierInput {
    /// The tier applies when the target is missed by at least this percentage.
    missed_by_percent_at_least: DecimalScalar,
    /// Credit of this tier, as a percentage of the period's fee.
    credit_percent: DecimalScalar,
}

/// A consequence rule in input.
#[derive(Debug, InputObject)]
pub struct ConsequenceRuleInput {
    /// The `key` of the metric whose breach triggers the rule.
    metric_key: String,
    /// What the rule does on breach.
    kind: ConsequenceKind,
    /// SERVICE_CREDIT: flat credit on breach, % of the measurement period's fee.
    credit_percent: Option<DecimalScalar>,
    /// SERVICE_CREDIT: larger credits the further the target is missed.
    #[graphql(default)]
    tiers: Vec<CreditTierInput>,
    /// FIXED_PENALTY: the amount due per breach.
    penalty: Option<MoneyInput>,
    /// ESCALATION: the role the breach is escalated to.
    escalate_to: Option<Role>,
    /// TERMINATION_RIGHT: breaches that give the right to terminate for cause...
    breaches_to_terminate: Option<i32>,
    /// TERMINATION_RIGHT: ...within this many consecutive periods.
    within_periods: Option<i32>,
    /// All credits of the agreement in one period together, at most this % of that period's fee.
    cap_percent_per_period: Option<DecimalScalar>,
}

/// Section 5 in input.
#[derive(Debug, InputObject)]
pub struct ReviewAndTerminationInput {
    /// Months between reviews.
    review_every_months: i32,
    /// Whether the agreement renews itself at the end of its term.
    auto_renew: bool,
    /// Length of each renewed term, in months.
    renewal_term_months: Option<i32>,
    /// Days of notice needed to terminate for convenience or not renew.
    notice_period_days: i32,
    /// Conditions under which either party may terminate, one per item.
    #[graphql(default)]
    termination_conditions: Vec<String>,
}

/// The five sections in input; a draft may leave any of them out.
#[derive(Debug, Default, InputObject)]
pub struct AgreementSectionsInput {
    /// Section 1: title, purpose, dates, fee and signatories.
    summary: Option<AgreementSummaryInput>,
    /// Section 2: clauses, scope and payment terms.
    terms: Option<TermsOfServiceInput>,
    /// Section 3: the measured targets.
    performance: Option<PerformanceMeasurementInput>,
    /// Section 4: what a breach entails; every rule names a metric of section 3.
    consequences: Option<Vec<ConsequenceRuleInput>>,
    /// Section 5: review cadence, renewal, notice and termination conditions.
    review_and_termination: Option<ReviewAndTerminationInput>,
}
