//! The five sections of an agreement, as data. Each present section is valid on its own (its
//! fields were parsed at the edge); whether the sections fit together is decided when the
//! agreement is submitted. A draft may leave any section out.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::Money;
use crate::error::ValidationError;
use crate::role::Role;
use crate::values::Text;
use crate::wire::wire_enum;

wire_enum!(
    /// How often the fee is charged.
    BillingCadence, "billingCadence" {
        /// Once: the fee is the whole price.
        OneOff => "ONE_OFF",
        /// Every calendar month.
        Monthly => "MONTHLY",
        /// Every calendar quarter.
        Quarterly => "QUARTERLY",
        /// Every year.
        Annual => "ANNUAL",
    }
);

wire_enum!(
    /// What a metric measures.
    MetricKind, "kind" {
        /// Time to first response.
        FirstResponseTime => "FIRST_RESPONSE_TIME",
        /// Time to resolution.
        ResolutionTime => "RESOLUTION_TIME",
        /// Availability.
        Uptime => "UPTIME",
        /// Share of deliveries on time.
        OnTimeDelivery => "ON_TIME_DELIVERY",
        /// Customer satisfaction score.
        Csat => "CSAT",
        /// Anything else.
        Custom => "CUSTOM",
    }
);

wire_enum!(
    /// The unit of a metric's values.
    MetricUnit, "unit" {
        /// Minutes.
        Minutes => "MINUTES",
        /// Hours.
        Hours => "HOURS",
        /// Days.
        Days => "DAYS",
        /// Percent (0–100).
        Percent => "PERCENT",
        /// A score.
        Score => "SCORE",
        /// A count.
        Count => "COUNT",
    }
);

wire_enum!(
    /// Which side of the target is good.
    Comparator, "comparator" {
        /// The observed value must not exceed the target (response times).
        AtMost => "AT_MOST",
        /// The observed value must reach the target (uptime).
        AtLeast => "AT_LEAST",
    }
);

wire_enum!(
    /// The period a metric is judged over (calendar periods in UTC).
    MeasurementPeriod, "period" {
        /// A calendar month.
        Monthly => "MONTHLY",
        /// A calendar quarter.
        Quarterly => "QUARTERLY",
    }
);

wire_enum!(
    /// How the measurements of a period become one observed value.
    Calculation, "calculation" {
        /// The latest measurement of the period, as captured.
        AsCaptured => "AS_CAPTURED",
        /// The mean of the period's measurements.
        Average => "AVERAGE",
        /// The 95th percentile (nearest rank) of the period's measurements.
        P95 => "P95",
    }
);

wire_enum!(
    /// What a consequence rule does on breach.
    ConsequenceKind, "kind" {
        /// A credit: a percentage of the measurement period's fee.
        ServiceCredit => "SERVICE_CREDIT",
        /// A fixed amount.
        FixedPenalty => "FIXED_PENALTY",
        /// Someone is alerted.
        Escalation => "ESCALATION",
        /// The client may terminate after repeated breaches.
        TerminationRight => "TERMINATION_RIGHT",
    }
);

wire_enum!(
    /// The outcome of a review.
    ReviewOutcome, "outcome" {
        /// Carry on.
        Continue => "CONTINUE",
        /// An amendment follows.
        Amend => "AMEND",
        /// The agreement is to be terminated.
        Terminate => "TERMINATE",
    }
);

wire_enum!(
    /// Why an agreement ends early.
    TerminationKind, "kind" {
        /// A breach gives the right (immediate when a termination right exists).
        ForCause => "FOR_CAUSE",
        /// A party wants out (respects the notice period).
        Convenience => "CONVENIENCE",
        /// A party does not renew (respects the notice period).
        NonRenewal => "NON_RENEWAL",
    }
);

/// Section 1: what the agreement is, for how long, and what it costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Title.
    pub title: Text,
    /// Purpose.
    pub purpose: Text,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force; `None` is open-ended.
    pub effective_until: Option<NaiveDate>,
    /// Fee charged per billing period (for `OneOff`, the whole price).
    pub fee: Option<Money>,
    /// How often the fee is charged.
    pub billing_cadence: BillingCadence,
    /// Who signs for us.
    pub our_signatory: Option<Text>,
    /// Who signs for the client.
    pub their_signatory: Option<Text>,
}

/// One clause of the terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Heading.
    pub heading: Text,
    /// Body.
    pub body: Text,
}

/// Section 2: the terms of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsOfService {
    /// Clauses, in order.
    pub clauses: Vec<Clause>,
    /// What is in scope.
    pub scope_items: Vec<Text>,
    /// Days to pay an invoice.
    pub payment_terms_days: Option<u32>,
}

/// A metric's key within its agreement: `lower_snake_case`, 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricKey(String);

impl MetricKey {
    /// Parses a key for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty()
            && raw.len() <= 40
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                field,
                format!(
                    "`{raw}` must be lower_snake_case, 1 to 40 characters, starting with a letter"
                ),
            ))
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Section 3: one measured target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    /// Key, unique within the agreement.
    pub key: MetricKey,
    /// Display name.
    pub name: Text,
    /// What it measures.
    pub kind: MetricKind,
    /// Unit of its values.
    pub unit: MetricUnit,
    /// Which side of the target is good.
    pub comparator: Comparator,
    /// The target.
    pub target: Decimal,
    /// Past this value (on the good side of the target) the metric is at risk.
    pub warning_threshold: Option<Decimal>,
    /// The period it is judged over.
    pub period: MeasurementPeriod,
    /// How a period's measurements become one value.
    pub calculation: Calculation,
}

/// A tier of service credit: the further the target is missed, the larger the credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditTier {
    /// Applies when the target is missed by at least this percentage of the target.
    pub missed_by_percent_at_least: Decimal,
    /// Credit, as a percentage of the measurement period's fee.
    pub credit_percent: Decimal,
}

/// Section 4: what a breach of one metric entails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsequenceRule {
    /// The metric it is tied to.
    pub metric_key: MetricKey,
    /// What it does.
    pub kind: ConsequenceKind,
    /// Flat credit on breach, as a percentage of the measurement period's fee.
    pub credit_percent: Option<Decimal>,
    /// Larger credits the further the target is missed (the highest tier reached applies).
    pub tiers: Vec<CreditTier>,
    /// Fixed penalty on breach.
    pub penalty: Option<Money>,
    /// Who is alerted on breach.
    pub escalate_to: Option<Role>,
    /// Breaches that grant a right to terminate…
    pub breaches_to_terminate: Option<u32>,
    /// …when they fall within this many consecutive periods.
    pub within_periods: Option<u32>,
    /// Cap on all credits of the agreement in one period, as a percentage of that period's fee.
    pub cap_percent_per_period: Option<Decimal>,
}

/// Section 5: review, renewal and termination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewAndTermination {
    /// Months between reviews.
    pub review_every_months: u32,
    /// Whether the term renews by itself at its end.
    pub auto_renew: bool,
    /// Length of a renewal term.
    pub renewal_term_months: Option<u32>,
    /// Days of notice a party must give.
    pub notice_period_days: u32,
    /// Conditions under which the agreement may be terminated.
    pub termination_conditions: Vec<Text>,
}

/// The five sections; a draft may leave any of them out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sections {
    /// 1. Summary.
    pub summary: Option<Summary>,
    /// 2. Terms of service.
    pub terms: Option<TermsOfService>,
    /// 3. Performance measurement: the metrics (`None`: section not written yet).
    pub metrics: Option<Vec<Metric>>,
    /// 4. Consequences (`None`: section not written yet).
    pub consequences: Option<Vec<ConsequenceRule>>,
    /// 5. Review and termination.
    pub review: Option<ReviewAndTermination>,
}
