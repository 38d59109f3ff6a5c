//! What a period's breaches entail, as plain data the service turns into ledger rows and events.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::agreement::measurement::Period;
use crate::agreement::money::Money;
use crate::agreement::sections::MetricKey;
use crate::role::Role;

/// A metric that missed its target in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The metric.
    pub metric_key: MetricKey,
    /// The period it was missed in.
    pub period: Period,
    /// The value observed.
    pub observed: Decimal,
    /// The target missed.
    pub target: Decimal,
    /// How far, as a percentage of the target (see [`super::missed_by_percent`]).
    pub missed_by_percent: Decimal,
}

/// One row of the credit ledger: a service credit owed for a metric's breach in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditEntry {
    /// The metric breached.
    pub metric_key: MetricKey,
    /// First day of the period it was breached in.
    pub period_start: NaiveDate,
    /// The credit, in the fee's currency, after the cap.
    pub amount: Money,
    /// Why, in words (observed value, target, tier, fee, cap).
    pub reason: String,
    /// The amount before the cap reduced it; `None` when the cap did not touch it.
    pub capped_from: Option<Money>,
}

/// A fixed penalty owed for a breach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PenaltyEntry {
    /// The metric breached.
    pub metric_key: MetricKey,
    /// First day of the period it was breached in.
    pub period_start: NaiveDate,
    /// The penalty, as the rule states it (not capped: the cap is on credits).
    pub amount: Money,
    /// Why, in words.
    pub reason: String,
}

/// Someone to alert about a breach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The metric breached.
    pub metric_key: MetricKey,
    /// First day of the period it was breached in.
    pub period_start: NaiveDate,
    /// Who is alerted.
    pub role: Role,
}

/// A right to terminate for cause, granted because a metric was breached often enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationRight {
    /// The metric breached.
    pub metric_key: MetricKey,
    /// The period whose breach granted it.
    pub granted_in: Period,
    /// The breached periods within the window, oldest first (the current one last).
    pub breached_periods: Vec<Period>,
    /// Breaches the rule asks for.
    pub breaches_to_terminate: u32,
    /// Periods the rule's window spans, the current one included.
    pub within_periods: u32,
}

/// Everything one period's breaches entail, each list ordered by metric key and then by the
/// order of the rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// The metrics breached in the period.
    pub breaches: Vec<Breach>,
    /// Service credits, after the cap.
    pub credits: Vec<CreditEntry>,
    /// Fixed penalties.
    pub penalties: Vec<PenaltyEntry>,
    /// Alerts to send.
    pub escalations: Vec<Escalation>,
    /// Rights to terminate granted by this period's breaches (one per rule that fires).
    pub termination_rights: Vec<TerminationRight>,
}

/// The total of `credits` (a period's ledger, or any selection of rows), in their currency;
/// `None` when there are none. Every credit of an agreement is in its fee's currency.
pub fn credits_total(credits: &[CreditEntry]) -> Option<Money> {
    let first = credits.first()?;
    let total: Decimal = credits.iter().map(|credit| credit.amount.amount()).sum();
    Some(Money::new(total, first.amount.currency()))
}
