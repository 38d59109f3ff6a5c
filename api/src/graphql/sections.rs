//! The five sections of an agreement: output types, input types, and parsing of the input
//! into domain sections once, naming the field path of anything wrong
//! (`summary.effectiveUntil`, `performance.metrics[0].target`).

use async_graphql::{InputObject, SimpleObject};
use chrono::NaiveDate;
use rapport_domain::ValidationError;
use rapport_domain::agreement::{
    self as ag, ConsequenceRule, Metric, MetricKey, Money, ReviewAndTermination, Sections, Summary,
    TermsOfService,
};
use rapport_domain::values::Text;
use rust_decimal::Decimal;

use super::enums::{
    BillingCadence, Calculation, Comparator, ConsequenceKind, MeasurementPeriod, MetricKind,
    MetricUnit, Role,
};
use super::scalars::{DateScalar, DecimalScalar};

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

// ------------------------------------------------------------------ input

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

type V<T> = Result<T, ValidationError>;

fn decimal(field: &str, raw: &DecimalScalar) -> V<Decimal> {
    let s = raw.0.trim();
    let ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && s.chars().any(|c| c.is_ascii_digit())
        && s.len() <= 40;
    ok.then(|| s.parse::<Decimal>().ok())
        .flatten()
        .ok_or_else(|| {
            ValidationError::new(field, format!("`{s}` is not an exact decimal like 99.9"))
        })
}

fn percent(field: &str, raw: &DecimalScalar) -> V<Decimal> {
    let d = decimal(field, raw)?;
    if d.is_sign_negative() || d > Decimal::ONE_HUNDRED {
        return Err(ValidationError::new(
            field,
            "must be a percentage from 0 to 100",
        ));
    }
    Ok(d)
}

fn date(field: &str, raw: &DateScalar) -> V<NaiveDate> {
    NaiveDate::parse_from_str(raw.0.trim(), "%Y-%m-%d").map_err(|_| {
        ValidationError::new(field, format!("`{}` is not a date like 2026-11-22", raw.0))
    })
}

fn count(field: &str, raw: i32, min: i32, max: i32) -> V<u32> {
    if (min..=max).contains(&raw) {
        Ok(raw.unsigned_abs())
    } else {
        Err(ValidationError::new(
            field,
            format!("must be from {min} to {max}"),
        ))
    }
}

fn money(field: &str, m: &MoneyInput) -> V<Money> {
    Money::parse(field, &m.amount.0, &m.currency)
}

fn long_text(field: &str, raw: &str) -> V<Text> {
    Text::parse(field, raw, 20_000, true)
}

fn opt_name(field: &str, raw: Option<&String>) -> V<Option<Text>> {
    raw.map(|s| Text::name(field, s)).transpose()
}

impl AgreementSectionsInput {
    /// Parses every present section.
    pub fn into_sections(self) -> V<Sections> {
        let summary = self
            .summary
            .map(|s| {
                Ok::<_, ValidationError>(Summary {
                    title: Text::name("summary.title", &s.title)?,
                    purpose: long_text("summary.purpose", &s.purpose)?,
                    effective_from: date("summary.effectiveFrom", &s.effective_from)?,
                    effective_until: s
                        .effective_until
                        .as_ref()
                        .map(|d| date("summary.effectiveUntil", d))
                        .transpose()?,
                    fee: s
                        .fee
                        .as_ref()
                        .map(|m| money("summary.fee", m))
                        .transpose()?,
                    billing_cadence: s.billing_cadence.into(),
                    our_signatory: opt_name("summary.ourSignatory", s.our_signatory.as_ref())?,
                    their_signatory: opt_name(
                        "summary.theirSignatory",
                        s.their_signatory.as_ref(),
                    )?,
                })
            })
            .transpose()?;
        let terms = self
            .terms
            .map(|t| {
                Ok::<_, ValidationError>(TermsOfService {
                    clauses: t
                        .clauses
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            Ok(ag::Clause {
                                heading: Text::name(
                                    &format!("terms.clauses[{i}].heading"),
                                    &c.heading,
                                )?,
                                body: long_text(&format!("terms.clauses[{i}].body"), &c.body)?,
                            })
                        })
                        .collect::<V<Vec<_>>>()?,
                    scope_items: t
                        .scope_items
                        .iter()
                        .enumerate()
                        .map(|(i, s)| long_text(&format!("terms.scopeItems[{i}]"), s))
                        .collect::<V<Vec<_>>>()?,
                    payment_terms_days: t
                        .payment_terms_days
                        .map(|d| count("terms.paymentTermsDays", d, 0, 365))
                        .transpose()?,
                })
            })
            .transpose()?;
        let metrics = self
            .performance
            .map(|p| {
                p.metrics
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let at = |f: &str| format!("performance.metrics[{i}].{f}");
                        Ok(Metric {
                            key: MetricKey::parse(&at("key"), &m.key)?,
                            name: Text::name(&at("name"), &m.name)?,
                            kind: m.kind.into(),
                            unit: m.unit.into(),
                            comparator: m.comparator.into(),
                            target: decimal(&at("target"), &m.target)?,
                            warning_threshold: m
                                .warning_threshold
                                .as_ref()
                                .map(|w| decimal(&at("warningThreshold"), w))
                                .transpose()?,
                            period: m.period.into(),
                            calculation: m.calculation.into(),
                        })
                    })
                    .collect::<V<Vec<_>>>()
            })
            .transpose()?;
        let consequences = self
            .consequences
            .map(|rs| {
                rs.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let at = |f: &str| format!("consequences[{i}].{f}");
                        Ok(ConsequenceRule {
                            metric_key: MetricKey::parse(&at("metricKey"), &r.metric_key)?,
                            kind: r.kind.into(),
                            credit_percent: r
                                .credit_percent
                                .as_ref()
                                .map(|p| percent(&at("creditPercent"), p))
                                .transpose()?,
                            tiers: r
                                .tiers
                                .iter()
                                .enumerate()
                                .map(|(j, t)| {
                                    Ok(ag::CreditTier {
                                        missed_by_percent_at_least: percent(
                                            &at(&format!("tiers[{j}].missedByPercentAtLeast")),
                                            &t.missed_by_percent_at_least,
                                        )?,
                                        credit_percent: percent(
                                            &at(&format!("tiers[{j}].creditPercent")),
                                            &t.credit_percent,
                                        )?,
                                    })
                                })
                                .collect::<V<Vec<_>>>()?,
                            penalty: r
                                .penalty
                                .as_ref()
                                .map(|m| money(&at("penalty"), m))
                                .transpose()?,
                            escalate_to: r.escalate_to.map(Into::into),
                            breaches_to_terminate: r
                                .breaches_to_terminate
                                .map(|n| count(&at("breachesToTerminate"), n, 1, 120))
                                .transpose()?,
                            within_periods: r
                                .within_periods
                                .map(|n| count(&at("withinPeriods"), n, 1, 120))
                                .transpose()?,
                            cap_percent_per_period: r
                                .cap_percent_per_period
                                .as_ref()
                                .map(|p| percent(&at("capPercentPerPeriod"), p))
                                .transpose()?,
                        })
                    })
                    .collect::<V<Vec<_>>>()
            })
            .transpose()?;
        let review = self
            .review_and_termination
            .map(|r| {
                Ok::<_, ValidationError>(ReviewAndTermination {
                    review_every_months: count(
                        "reviewAndTermination.reviewEveryMonths",
                        r.review_every_months,
                        1,
                        120,
                    )?,
                    auto_renew: r.auto_renew,
                    renewal_term_months: r
                        .renewal_term_months
                        .map(|n| count("reviewAndTermination.renewalTermMonths", n, 1, 120))
                        .transpose()?,
                    notice_period_days: count(
                        "reviewAndTermination.noticePeriodDays",
                        r.notice_period_days,
                        0,
                        3650,
                    )?,
                    termination_conditions: r
                        .termination_conditions
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            long_text(
                                &format!("reviewAndTermination.terminationConditions[{i}]"),
                                c,
                            )
                        })
                        .collect::<V<Vec<_>>>()?,
                })
            })
            .transpose()?;
        Ok(Sections {
            summary,
            terms,
            metrics,
            consequences,
            review,
        })
    }
}
