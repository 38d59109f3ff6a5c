//! What an agreement's sections look like in answers.

use async_graphql::SimpleObject;
use rapport_domain::agreement::{ConsequenceRule, Metric, Money, Summary, TermsOfService};
use rapport_domain::values::Text;
use rust_decimal::Decimal;

use crate::graphql::enums::{
    BillingCadence, Calculation, Comparator, ConsequenceKind, MeasurementPeriod, MetricKind,
    MetricUnit, Role,
};
use crate::graphql::scalars::{DateScalar, DecimalScalar};

/// An exact amount of money.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Money")]
pub struct MoneyOut {
    /// The exact amount as a decimal string (`"1250.00"`), never a float.
    amount: DecimalScalar,
    /// ISO 4217 currency code (`EUR`, `USD`).
    currency: String,
}

impl MoneyOut {
    /// From a stored amount string and currency code.
    pub fn raw(amount: &str, currency: &str) -> Self {
        Self {
            amount: DecimalScalar(amount.to_owned()),
            currency: currency.to_owned(),
        }
    }
}

impl From<&Money> for MoneyOut {
    fn from(m: &Money) -> Self {
        Self {
            amount: DecimalScalar(m.amount_string()),
            currency: m.currency().as_str().to_owned(),
        }
    }
}

fn dec(d: Decimal) -> DecimalScalar {
    DecimalScalar(d.normalize().to_string())
}

/// Section 1.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "AgreementSummary")]
pub struct SummaryOut {
    /// The agreement's title.
    title: String,
    /// What the agreement is for, in a few sentences.
    purpose: String,
    /// First day in force.
    effective_from: DateScalar,
    /// Last day of the first term; null when open-ended.
    effective_until: Option<DateScalar>,
    /// Charged per billing period (ONE_OFF: the whole price).
    fee: Option<MoneyOut>,
    /// How often the fee is charged.
    billing_cadence: BillingCadence,
    /// Who signs for us.
    our_signatory: Option<String>,
    /// Who signs for the account.
    their_signatory: Option<String>,
}

impl SummaryOut {
    /// Drops the fee, for callers who may not see money.
    pub fn hide_fee(&mut self) {
        self.fee = None;
    }
}

impl From<&Summary> for SummaryOut {
    fn from(s: &Summary) -> Self {
        Self {
            title: s.title.to_string(),
            purpose: s.purpose.to_string(),
            effective_from: DateScalar(s.effective_from.to_string()),
            effective_until: s.effective_until.map(|d| DateScalar(d.to_string())),
            fee: s.fee.as_ref().map(MoneyOut::from),
            billing_cadence: s.billing_cadence.into(),
            our_signatory: s.our_signatory.as_ref().map(Text::to_string),
            their_signatory: s.their_signatory.as_ref().map(Text::to_string),
        }
    }
}

/// A clause of the terms.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Clause")]
pub struct ClauseOut {
    /// The clause's heading (`Confidentiality`).
    heading: String,
    /// The clause's text.
    body: String,
}

/// Section 2.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "TermsOfService")]
pub struct TermsOut {
    /// The clauses, in order.
    clauses: Vec<ClauseOut>,
    /// What the service covers, one item each.
    scope_items: Vec<String>,
    /// Days the client has to pay an invoice.
    payment_terms_days: Option<u32>,
}

impl From<&TermsOfService> for TermsOut {
    fn from(t: &TermsOfService) -> Self {
        Self {
            clauses: t
                .clauses
                .iter()
                .map(|c| ClauseOut {
                    heading: c.heading.to_string(),
                    body: c.body.to_string(),
                })
                .collect(),
            scope_items: t.scope_items.iter().map(Text::to_string).collect(),
            payment_terms_days: t.payment_terms_days,
        }
    }
}

/// A measured target (section 3).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Metric")]
pub struct MetricOut {
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

impl From<&Metric> for MetricOut {
    fn from(m: &Metric) -> Self {
        Self {
            key: m.key.to_string(),
            name: m.name.to_string(),
            kind: m.kind.into(),
            unit: m.unit.into(),
            comparator: m.comparator.into(),
            target: dec(m.target),
            warning_threshold: m.warning_threshold.map(dec),
            period: m.period.into(),
            calculation: m.calculation.into(),
        }
    }
}

/// A credit tier.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "CreditTier")]
pub struct CreditTierOut {
    /// The tier applies when the target is missed by at least this percentage.
    missed_by_percent_at_least: DecimalScalar,
    /// Credit of this tier, as a percentage of the period's fee.
    credit_percent: DecimalScalar,
}

/// What a breach entails (section 4).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ConsequenceRule")]
pub struct ConsequenceOut {
    /// The `key` of the metric whose breach triggers the rule.
    metric_key: String,
    /// What the rule does on breach.
    kind: ConsequenceKind,
    /// Flat credit on breach, % of the measurement period's fee.
    credit_percent: Option<DecimalScalar>,
    /// Larger credits the further the target is missed.
    tiers: Vec<CreditTierOut>,
    /// FIXED_PENALTY: the amount due per breach.
    penalty: Option<MoneyOut>,
    /// ESCALATION: the role the breach is escalated to.
    escalate_to: Option<Role>,
    /// TERMINATION_RIGHT: breaches that give the right to terminate for cause...
    breaches_to_terminate: Option<u32>,
    /// TERMINATION_RIGHT: ...within this many consecutive periods.
    within_periods: Option<u32>,
    /// All credits of the agreement in one period together, % of that period's fee.
    cap_percent_per_period: Option<DecimalScalar>,
}

impl From<&ConsequenceRule> for ConsequenceOut {
    fn from(r: &ConsequenceRule) -> Self {
        Self {
            metric_key: r.metric_key.to_string(),
            kind: r.kind.into(),
            credit_percent: r.credit_percent.map(dec),
            tiers: r
                .tiers
                .iter()
                .map(|t| CreditTierOut {
                    missed_by_percent_at_least: dec(t.missed_by_percent_at_least),
                    credit_percent: dec(t.credit_percent),
                })
                .collect(),
            penalty: r.penalty.as_ref().map(MoneyOut::from),
            escalate_to: r.escalate_to.map(Into::into),
            breaches_to_terminate: r.breaches_to_terminate,
            within_periods: r.within_periods,
            cap_percent_per_period: r.cap_percent_per_period.map(dec),
        }
    }
}
