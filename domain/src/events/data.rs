//! The data some events carry beyond the id of what they are about.

use rust_decimal::Decimal;

use crate::agreement::{Comparator, MetricKey, Money, Period};
use crate::ids::AgreementId;

/// A metric's verdict for one period: what `agreement.metric_at_risk` and
/// `agreement.metric_breached` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricEvent {
    /// The agreement.
    pub agreement: AgreementId,
    /// The metric's key.
    pub metric_key: MetricKey,
    /// The metric's display name.
    pub metric_name: String,
    /// The period judged.
    pub period: Period,
    /// Which side of the target is good.
    pub comparator: Comparator,
    /// The target of the revision in force.
    pub target: Decimal,
    /// The value observed over the period.
    pub actual: Option<Decimal>,
}

/// A service credit of the ledger that appeared or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditChange {
    /// The agreement.
    pub agreement: AgreementId,
    /// The metric breached.
    pub metric_key: MetricKey,
    /// The period it was breached in.
    pub period: Period,
    /// The credit now owed (zero when a recomputation removed it).
    pub amount: Money,
    /// The amount owed before, for a change; `None` for a new credit.
    pub previous: Option<Money>,
}
