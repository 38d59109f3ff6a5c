//! How far a target was missed, and which credit that earns.

use rust_decimal::Decimal;

use crate::agreement::sections::{Comparator, ConsequenceRule, CreditTier, Metric};

/// How far `observed` misses `metric`'s target, as a percentage of the target's magnitude:
/// `AT_MOST`: (observed − target) ÷ |target| × 100; `AT_LEAST`: (target − observed) ÷ |target|
/// × 100. Exact (to Decimal's 28 significant digits), never rounded, so a value exactly on a
/// tier threshold reaches that tier.
///
/// Zero when the target is met. The magnitude of the target is used so negative targets (a
/// score below zero) still count a miss as positive. A missed target of zero has no scale to
/// measure against: any miss of it counts as missed by [`Decimal::MAX`] percent, reaching every
/// tier.
pub fn missed_by_percent(metric: &Metric, observed: Decimal) -> Decimal {
    let gap = match metric.comparator {
        Comparator::AtMost => observed.saturating_sub(metric.target),
        Comparator::AtLeast => metric.target.saturating_sub(observed),
    };
    if gap <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let scale = metric.target.abs();
    if scale.is_zero() {
        return Decimal::MAX;
    }
    gap.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|product| product.checked_div(scale))
        .unwrap_or_else(|| (gap / scale).saturating_mul(Decimal::ONE_HUNDRED))
}

/// The credit a `SERVICE_CREDIT` rule grants for a miss of `missed_by` percent, with the tier
/// that set it: the tier with the highest threshold that `missed_by` reaches (at or above the
/// threshold); when no tier is reached (or there are none), the rule's flat `credit_percent`;
/// when that is absent too, no credit. A reached tier replaces the flat credit, it does not
/// add to it.
pub fn credit_percent(
    rule: &ConsequenceRule,
    missed_by: Decimal,
) -> Option<(Decimal, Option<CreditTier>)> {
    let tier = rule
        .tiers
        .iter()
        .filter(|tier| missed_by >= tier.missed_by_percent_at_least)
        .max_by(|a, b| {
            (a.missed_by_percent_at_least, a.credit_percent)
                .cmp(&(b.missed_by_percent_at_least, b.credit_percent))
        })
        .copied();
    match tier {
        Some(tier) => Some((tier.credit_percent, Some(tier))),
        None => rule.credit_percent.map(|percent| (percent, None)),
    }
}
