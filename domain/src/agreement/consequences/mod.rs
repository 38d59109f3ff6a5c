//! Consequences of breaches: the fee a period is worth, how far a target was missed, the
//! credits, penalties, escalations and termination rights that follow, and the per-period cap.

mod cap;
#[cfg(test)]
mod credit_tests;
mod evaluate;
mod fee;
#[cfg(test)]
mod fee_tests;
mod missed;
mod outcome;
#[cfg(test)]
mod rule_tests;

pub use cap::cap_percent;
pub use evaluate::{evaluate, history_needed, ledger_for_period};
pub use fee::{PeriodFee, period_fee};
pub use missed::{credit_percent, missed_by_percent};
pub use outcome::{
    Breach, CreditEntry, Escalation, Outcome, PenaltyEntry, TerminationRight, credits_total,
};
