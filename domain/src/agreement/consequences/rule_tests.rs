use super::*;
use crate::agreement::measurement::Period;
use crate::agreement::measurement::fixtures::{
    day, dec, eur, judged, month, response, rule, summary,
};
use crate::agreement::sections::{
    BillingCadence, ConsequenceKind, ConsequenceRule, MeasurementPeriod, Metric,
};
use crate::role::Role;

use ConsequenceKind::{
    Escalation as Escalate, FixedPenalty, ServiceCredit, TerminationRight as Terminate,
};

fn termination(needed: u32, within: u32) -> ConsequenceRule {
    ConsequenceRule {
        breaches_to_terminate: Some(needed),
        within_periods: Some(within),
        ..rule("response", Terminate)
    }
}

fn rights(history: &[(&str, &str)], current: &str) -> usize {
    let period = month(current);
    let statuses: Vec<_> = history
        .iter()
        .map(|(date, value)| judged(&response(), month(date), value))
        .collect();
    let summary = summary(None, BillingCadence::Monthly);
    evaluate(
        &summary,
        &[response()],
        &[termination(2, 3)],
        &statuses,
        &period,
    )
    .termination_rights
    .len()
}

#[test]
fn a_termination_right_is_granted_on_the_nth_breach_within_m_periods() {
    let history = [
        ("2025-01-01", "150"),
        ("2025-02-01", "50"),
        ("2025-03-01", "150"),
    ];
    assert_eq!(
        rights(&history, "2025-03-01"),
        1,
        "January and March are within three months"
    );
    assert_eq!(
        rights(&history[..1], "2025-01-01"),
        0,
        "one breach is not enough"
    );
    let summary = summary(None, BillingCadence::Monthly);
    let statuses: Vec<_> = history
        .iter()
        .map(|(d, v)| judged(&response(), month(d), v))
        .collect();
    let outcome = evaluate(
        &summary,
        &[response()],
        &[termination(2, 3)],
        &statuses,
        &month("2025-03-01"),
    );
    assert_eq!(
        outcome.termination_rights[0].breached_periods,
        [month("2025-01-01"), month("2025-03-01")]
    );
}

#[test]
fn no_termination_right_when_the_breaches_are_spread_wider_or_the_period_is_not_breached() {
    let spread = [("2025-01-01", "150"), ("2025-04-01", "150")];
    assert_eq!(
        rights(&spread, "2025-04-01"),
        0,
        "January is outside February–April"
    );
    let then_fine = [
        ("2025-01-01", "150"),
        ("2025-02-01", "150"),
        ("2025-03-01", "50"),
    ];
    assert_eq!(
        rights(&then_fine, "2025-03-01"),
        0,
        "a compliant period grants nothing"
    );
}

#[test]
fn a_breach_brings_its_penalties_and_escalations_and_an_at_risk_metric_brings_nothing() {
    let metrics = [Metric {
        warning_threshold: Some(dec("90")),
        ..response()
    }];
    let rules = [
        ConsequenceRule {
            penalty: Some(eur("500.00")),
            ..rule("response", FixedPenalty)
        },
        ConsequenceRule {
            escalate_to: Some(Role::Admin),
            ..rule("response", Escalate)
        },
        rule("response", Escalate),
    ];
    let period = month("2025-03-01");
    let summary = summary(None, BillingCadence::Monthly);
    let breached = evaluate(
        &summary,
        &metrics,
        &rules,
        &[judged(&metrics[0], period, "120")],
        &period,
    );
    assert_eq!(breached.penalties.len(), 1);
    assert_eq!(breached.penalties[0].amount, eur("500.00"));
    assert_eq!(
        breached.escalations.len(),
        1,
        "a rule without a role escalates to nobody"
    );
    assert_eq!(breached.escalations[0].role, Role::Admin);
    assert_eq!(breached.breaches[0].missed_by_percent, dec("20"));
    assert!(breached.credits.is_empty(), "no fee, no credit");
    let at_risk = evaluate(
        &summary,
        &metrics,
        &rules,
        &[judged(&metrics[0], period, "95")],
        &period,
    );
    assert_eq!(at_risk, Outcome::default());
}

#[test]
fn a_quarterly_metric_is_judged_in_its_quarter_not_in_its_months() {
    let quarterly = [Metric {
        period: MeasurementPeriod::Quarterly,
        ..response()
    }];
    let rules = [ConsequenceRule {
        credit_percent: Some(dec("10")),
        ..rule("response", ServiceCredit)
    }];
    let quarter = Period::containing(day("2025-01-01"), MeasurementPeriod::Quarterly);
    let statuses = [judged(&quarterly[0], quarter, "150")];
    let summary = summary(Some("1000.00"), BillingCadence::Monthly);
    let in_january = ledger_for_period(
        &summary,
        &quarterly,
        &rules,
        &statuses,
        &month("2025-01-01"),
    );
    assert!(in_january.is_empty());
    let in_q1 = ledger_for_period(&summary, &quarterly, &rules, &statuses, &quarter);
    assert_eq!(in_q1[0].amount, eur("300.00"), "10 % of three monthly fees");
    assert_eq!(in_q1[0].period_start, day("2025-01-01"));
}

#[test]
fn the_history_needed_is_the_widest_termination_window() {
    assert_eq!(history_needed(&[]), 1);
    assert_eq!(
        history_needed(&[
            termination(2, 3),
            termination(3, 6),
            rule("response", Escalate)
        ]),
        6
    );
}
