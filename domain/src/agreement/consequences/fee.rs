//! The fee attributable to one measurement period.

use rust_decimal::Decimal;

use crate::agreement::measurement::{Period, kind_months};
use crate::agreement::money::{Currency, Money};
use crate::agreement::sections::{BillingCadence, Summary};

/// The fee attributable to one measurement period, kept exact as the fraction
/// `fee × numerator / denominator` so percentages of it are divided once, at the end.
///
/// - Recurring cadences: the fee per billing period × months in the measurement period ÷
///   months in the billing period (monthly billing, quarterly period: 3 fees; quarterly
///   billing, monthly period: fee ÷ 3; annual: ÷ 12 per month, ÷ 4 per quarter). First and last
///   periods of a term are not prorated: the fee charged for a billing period is the base.
/// - `ONE_OFF`: the whole price spread evenly over the days of the term: fee × days of the
///   period inside the term ÷ days of the term (zero outside the term). An open-ended one-off
///   agreement has no period fee, so percentage credits cannot be computed (fixed penalties
///   still apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodFee {
    fee: Decimal,
    numerator: Decimal,
    denominator: Decimal,
    currency: Currency,
}

impl PeriodFee {
    /// The share of `summary`'s fee for `period`; `None` without a fee, or for an open-ended
    /// (or incoherent) one-off term.
    pub fn of(summary: &Summary, period: &Period) -> Option<Self> {
        let fee = summary.fee?;
        let (numerator, denominator) = match summary.billing_cadence {
            BillingCadence::Monthly => (kind_months(period.kind()), 1),
            BillingCadence::Quarterly => (kind_months(period.kind()), 3),
            BillingCadence::Annual => (kind_months(period.kind()), 12),
            BillingCadence::OneOff => return Self::one_off(summary, fee, period),
        };
        Some(Self {
            fee: fee.amount(),
            numerator: Decimal::from(numerator),
            denominator: Decimal::from(denominator),
            currency: fee.currency(),
        })
    }

    fn one_off(summary: &Summary, fee: Money, period: &Period) -> Option<Self> {
        let until = summary.effective_until?;
        let term_days = (until - summary.effective_from).num_days() + 1;
        if term_days < 1 {
            return None;
        }
        let first = period.start().max(summary.effective_from);
        let last = period.end().min(until);
        let inside = ((last - first).num_days() + 1).max(0);
        Some(Self {
            fee: fee.amount(),
            numerator: Decimal::from(inside),
            denominator: Decimal::from(term_days),
            currency: fee.currency(),
        })
    }

    /// The currency of the fee.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// `percent` % of the period fee, exact (not rounded): fee × numerator × percent ÷
    /// (denominator × 100), multiplied before the one division.
    pub fn exact_percent(&self, percent: Decimal) -> Decimal {
        let scaled = Decimal::ONE_HUNDRED.saturating_mul(self.denominator);
        self.fee
            .checked_mul(self.numerator)
            .and_then(|product| product.checked_mul(percent))
            .and_then(|product| product.checked_div(scaled))
            // Beyond Decimal's range only for absurd fees: divide first instead.
            .unwrap_or_else(|| {
                (self.fee / scaled)
                    .saturating_mul(self.numerator)
                    .saturating_mul(percent)
            })
    }

    /// `percent` % of the period fee, rounded to the cent half away from zero.
    pub fn percent(&self, percent: Decimal) -> Money {
        Money::new(self.exact_percent(percent), self.currency)
    }

    /// The period fee itself, rounded to the cent half away from zero.
    pub fn money(&self) -> Money {
        self.percent(Decimal::ONE_HUNDRED)
    }
}

/// The fee attributable to `period` (see [`PeriodFee`]), rounded to the cent half away from
/// zero: a quarterly fee of 1000.00 gives 333.33 per month. Credits are computed from the
/// exact share, not from this rounded amount, and rounded once themselves.
pub fn period_fee(summary: &Summary, period: &Period) -> Option<Money> {
    PeriodFee::of(summary, period).map(|fee| fee.money())
}
