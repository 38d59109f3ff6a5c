//! The per-period cap on all credits of an agreement.

use rust_decimal::Decimal;

use super::CreditEntry;
use super::fee::PeriodFee;
use crate::agreement::money::Money;
use crate::agreement::sections::ConsequenceRule;

/// The cap that applies, as a percentage of the period fee: the smallest
/// `cap_percent_per_period` among all the agreement's rules that name one (whatever their
/// kind or metric), since every one of them is a promise the agreement makes. `None`: uncapped.
pub fn cap_percent(rules: &[ConsequenceRule]) -> Option<Decimal> {
    rules
        .iter()
        .filter_map(|rule| rule.cap_percent_per_period)
        .min()
}

/// Reduces `credits` (already in metric-key order) so that together they are at most the cap:
/// `cap` % of the period fee, rounded to the cent half away from zero. When over, entries keep
/// their amount in order until the cap is used up; the entry that crosses it gets what is left
/// and later ones get zero (they stay in the ledger, at 0.00, with their `capped_from`). The
/// total is then exactly the cap, to the cent, and the same inputs always cut the same entries.
pub(crate) fn apply_cap(credits: &mut [CreditEntry], cap: Decimal, fee: &PeriodFee) {
    let limit = fee.percent(cap);
    let total: Decimal = credits.iter().map(|credit| credit.amount.amount()).sum();
    if total <= limit.amount() {
        return;
    }
    let mut left = limit.amount();
    for credit in credits.iter_mut() {
        let granted = credit.amount.amount().min(left);
        left -= granted;
        if granted < credit.amount.amount() {
            let reduced = Money::new(granted, fee.currency());
            credit.reason = format!(
                "{}; reduced from {} to {} by the cap of {cap}% of the period fee ({} {})",
                credit.reason,
                credit.amount.amount_string(),
                reduced.amount_string(),
                limit.amount_string(),
                limit.currency(),
            );
            credit.capped_from = Some(credit.amount);
            credit.amount = reduced;
        }
    }
}
