//! Turning a period's breaches into the consequences the rules say.

use rust_decimal::{Decimal, RoundingStrategy};

use super::cap::{apply_cap, cap_percent};
use super::fee::PeriodFee;
use super::missed::{credit_percent, missed_by_percent};
use super::{Breach, CreditEntry, Escalation, Outcome, PenaltyEntry, TerminationRight};
use crate::agreement::compliance::{ComplianceStatus, MetricCompliance};
use crate::agreement::measurement::Period;
use crate::agreement::sections::{Comparator, ConsequenceKind, ConsequenceRule, Metric, Summary};

/// What the breaches of `period` entail under `rules`.
///
/// Only metrics whose own period kind is `period`'s kind are judged (a quarterly metric is
/// evaluated for its quarter, a monthly one for each month), so an agreement mixing monthly
/// and quarterly metrics is evaluated once per month and once per quarter, and each is capped
/// on its own.
///
/// `statuses` is the compliance history: the [`MetricCompliance`] of the current period and of
/// earlier ones, in any order, computed by the caller against the revision in force in each
/// period. A metric is breached in `period` when its entry for exactly that period says
/// `BREACHED`; entries of other periods only count towards termination rights.
///
/// Per breached metric, each of its rules in order:
/// - `SERVICE_CREDIT`: the tier (or flat) percent of the period fee (see [`PeriodFee`] and
///   [`credit_percent`]), rounded to the cent half away from zero; nothing without a period
///   fee;
/// - `FIXED_PENALTY`: the rule's penalty;
/// - `ESCALATION`: an alert to the rule's role;
/// - `TERMINATION_RIGHT`: granted when, counting this period, at least `breaches_to_terminate`
///   of the last `within_periods` periods (this one included) were breached. It is granted by
///   a breach, so a period without a breach grants nothing even if the window still holds
///   enough; every further breach that keeps the count reached grants it again (idempotent for
///   the caller, who records that a right exists).
///
/// A rule missing what its kind needs (a penalty, a role, N or M, a positive N and M) yields
/// nothing; submission refuses such rules. Finally all credits are capped (see
/// [`cap_percent`]). A pure function of its inputs: calling it again after measurements change
/// gives the period's new consequences, to replace the old ones.
pub fn evaluate(
    summary: &Summary,
    metrics: &[Metric],
    rules: &[ConsequenceRule],
    statuses: &[MetricCompliance],
    period: &Period,
) -> Outcome {
    let fee = PeriodFee::of(summary, period);
    let mut judged: Vec<&Metric> = metrics
        .iter()
        .filter(|metric| metric.period == period.kind())
        .collect();
    judged.sort_by(|a, b| a.key.cmp(&b.key));
    let mut outcome = Outcome::default();
    for metric in judged {
        if !breached(statuses, metric, period) {
            continue;
        }
        let Some(observed) = statuses
            .iter()
            .find(|entry| entry.metric_key == metric.key && entry.period == *period)
            .and_then(|entry| entry.observed)
        else {
            continue;
        };
        let breach = Breach {
            metric_key: metric.key.clone(),
            period: *period,
            observed,
            target: metric.target,
            missed_by_percent: missed_by_percent(metric, observed),
        };
        for rule in rules.iter().filter(|rule| rule.metric_key == metric.key) {
            apply_rule(rule, metric, &breach, fee.as_ref(), statuses, &mut outcome);
        }
        outcome.breaches.push(breach);
    }
    if let (Some(cap), Some(fee)) = (cap_percent(rules), fee.as_ref()) {
        apply_cap(&mut outcome.credits, cap, fee);
    }
    outcome
}

/// The credit ledger rows of `period`: the credits of [`evaluate`]. A pure function of its
/// inputs, so the service recomputes it whenever the period's measurements change and replaces
/// the period's rows with the answer.
pub fn ledger_for_period(
    summary: &Summary,
    metrics: &[Metric],
    rules: &[ConsequenceRule],
    statuses: &[MetricCompliance],
    period: &Period,
) -> Vec<CreditEntry> {
    evaluate(summary, metrics, rules, statuses, period).credits
}

/// How many periods of compliance history [`evaluate`] needs, the current one included: the
/// widest `within_periods` of the termination rules, at least 1.
pub fn history_needed(rules: &[ConsequenceRule]) -> u32 {
    rules
        .iter()
        .filter(|rule| rule.kind == ConsequenceKind::TerminationRight)
        .filter_map(|rule| rule.within_periods)
        .max()
        .unwrap_or(1)
        .max(1)
}

fn breached(statuses: &[MetricCompliance], metric: &Metric, period: &Period) -> bool {
    statuses.iter().any(|entry| {
        entry.metric_key == metric.key
            && entry.period == *period
            && entry.status == ComplianceStatus::Breached
    })
}

fn apply_rule(
    rule: &ConsequenceRule,
    metric: &Metric,
    breach: &Breach,
    fee: Option<&PeriodFee>,
    statuses: &[MetricCompliance],
    outcome: &mut Outcome,
) {
    let key = &breach.metric_key;
    let period_start = breach.period.start();
    match rule.kind {
        ConsequenceKind::ServiceCredit => {
            let Some(fee) = fee else { return };
            let Some((percent, tier)) = credit_percent(rule, breach.missed_by_percent) else {
                return;
            };
            let basis = match tier {
                Some(tier) => format!(
                    "tier from {}% missed: {percent}%",
                    tier.missed_by_percent_at_least
                ),
                None => format!("flat credit: {percent}%"),
            };
            outcome.credits.push(CreditEntry {
                metric_key: key.clone(),
                period_start,
                amount: fee.percent(percent),
                reason: format!(
                    "{}; {basis} of the period fee {} {}",
                    describe(metric, breach),
                    fee.money().amount_string(),
                    fee.currency()
                ),
                capped_from: None,
            });
        }
        ConsequenceKind::FixedPenalty => {
            if let Some(amount) = rule.penalty {
                outcome.penalties.push(PenaltyEntry {
                    metric_key: key.clone(),
                    period_start,
                    amount,
                    reason: format!("{}; fixed penalty", describe(metric, breach)),
                });
            }
        }
        ConsequenceKind::Escalation => {
            if let Some(role) = rule.escalate_to {
                outcome.escalations.push(Escalation {
                    metric_key: key.clone(),
                    period_start,
                    role,
                });
            }
        }
        ConsequenceKind::TerminationRight => {
            let (Some(needed), Some(within)) = (rule.breaches_to_terminate, rule.within_periods)
            else {
                return;
            };
            if needed == 0 || within == 0 {
                return;
            }
            let breached_periods: Vec<Period> = breach
                .period
                .window(within)
                .into_iter()
                .filter(|p| *p == breach.period || breached(statuses, metric, p))
                .collect();
            if breached_periods.len() >= needed as usize {
                outcome.termination_rights.push(TerminationRight {
                    metric_key: key.clone(),
                    granted_in: breach.period,
                    breached_periods,
                    breaches_to_terminate: needed,
                    within_periods: within,
                });
            }
        }
    }
}

/// `uptime breached in 2025-01: observed 98.5 against at least 99.9, missed by 1.4%`.
fn describe(metric: &Metric, breach: &Breach) -> String {
    let side = match metric.comparator {
        Comparator::AtMost => "at most",
        Comparator::AtLeast => "at least",
    };
    let missed = if breach.missed_by_percent == Decimal::MAX {
        "any miss of a zero target".to_owned()
    } else {
        let rounded = breach
            .missed_by_percent
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .normalize();
        format!("missed by {rounded}%")
    };
    format!(
        "{} breached in {}: observed {} against {side} {}, {missed}",
        breach.metric_key, breach.period, breach.observed, breach.target
    )
}
