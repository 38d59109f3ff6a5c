use super::*;
use crate::agreement::compliance::MetricCompliance;
use crate::agreement::measurement::fixtures::{
    dec, eur, judged, metric, month, response, rule, summary,
};
use crate::agreement::sections::{
    BillingCadence, Comparator, ConsequenceKind, ConsequenceRule, CreditTier, Metric,
};

use ConsequenceKind::{Escalation as Escalate, ServiceCredit};

fn tiered(flat: Option<&str>) -> ConsequenceRule {
    ConsequenceRule {
        credit_percent: flat.map(dec),
        tiers: vec![
            CreditTier {
                missed_by_percent_at_least: dec("10"),
                credit_percent: dec("10"),
            },
            CreditTier {
                missed_by_percent_at_least: dec("25"),
                credit_percent: dec("25"),
            },
        ],
        ..rule("response", ServiceCredit)
    }
}

fn credits(
    rules: &[ConsequenceRule],
    metrics: &[Metric],
    statuses: &[MetricCompliance],
) -> Vec<String> {
    let summary = summary(Some("1000.00"), BillingCadence::Monthly);
    ledger_for_period(&summary, metrics, rules, statuses, &month("2025-03-01"))
        .iter()
        .map(|credit| credit.amount.amount_string())
        .collect()
}

#[test]
fn the_highest_tier_reached_sets_the_credit_and_below_the_first_tier_the_flat_credit_applies() {
    // (flat credit, observed against at most 100, credits of a 1000.00 period fee)
    let cases = [
        (Some("5"), "100", &[][..]),
        (Some("5"), "105", &["50.00"][..]),
        (Some("5"), "110", &["100.00"][..]),
        (Some("5"), "124.99", &["100.00"][..]),
        (Some("5"), "125", &["250.00"][..]),
        (Some("5"), "300", &["250.00"][..]),
        (None, "109.99", &[][..]),
        (None, "110", &["100.00"][..]),
    ];
    for (flat, observed, expected) in cases {
        let statuses = [judged(&response(), month("2025-03-01"), observed)];
        assert_eq!(
            credits(&[tiered(flat)], &[response()], &statuses),
            expected,
            "{flat:?} {observed}"
        );
    }
}

#[test]
fn the_cap_is_reached_exactly_by_cutting_later_metrics_first() {
    let metrics = [
        metric("b_resolution", Comparator::AtMost, "10"),
        metric("a_response", Comparator::AtMost, "10"),
    ];
    let rules = [
        ConsequenceRule {
            credit_percent: Some(dec("15")),
            ..rule("b_resolution", ServiceCredit)
        },
        ConsequenceRule {
            credit_percent: Some(dec("10")),
            cap_percent_per_period: Some(dec("30")),
            ..rule("a_response", ServiceCredit)
        },
        ConsequenceRule {
            cap_percent_per_period: Some(dec("20")),
            ..rule("a_response", Escalate)
        },
    ];
    let period = month("2025-03-01");
    let statuses = [
        judged(&metrics[0], period, "11"),
        judged(&metrics[1], period, "11"),
    ];
    let summary = summary(Some("1000.00"), BillingCadence::Monthly);
    let ledger = ledger_for_period(&summary, &metrics, &rules, &statuses, &period);
    let rows: Vec<_> = ledger
        .iter()
        .map(|c| {
            (
                c.metric_key.as_str(),
                c.amount.amount_string(),
                c.capped_from.map(|m| m.amount_string()),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("a_response", "100.00".to_owned(), None),
            (
                "b_resolution",
                "100.00".to_owned(),
                Some("150.00".to_owned())
            ),
        ],
        "the smallest cap (20 %) applies"
    );
    assert_eq!(
        credits_total(&ledger).map(|m| m.amount_string()).as_deref(),
        Some("200.00")
    );
    assert!(ledger[1].reason.contains("cap"), "{}", ledger[1].reason);
}

#[test]
fn a_cap_in_odd_cents_is_met_to_the_cent_and_credits_past_it_stay_at_zero() {
    let metrics = [
        metric("a", Comparator::AtMost, "10"),
        metric("b", Comparator::AtMost, "10"),
    ];
    let rules = [
        ConsequenceRule {
            credit_percent: Some(dec("25")),
            cap_percent_per_period: Some(dec("10")),
            ..rule("a", ServiceCredit)
        },
        ConsequenceRule {
            credit_percent: Some(dec("5")),
            ..rule("b", ServiceCredit)
        },
    ];
    let period = month("2025-03-01");
    let statuses = [
        judged(&metrics[0], period, "20"),
        judged(&metrics[1], period, "20"),
    ];
    // Quarterly billing of 1000.00: the month is worth 333.33…, the cap 33.33.
    let summary = summary(Some("1000.00"), BillingCadence::Quarterly);
    let ledger = ledger_for_period(&summary, &metrics, &rules, &statuses, &period);
    let amounts: Vec<_> = ledger.iter().map(|c| c.amount.amount_string()).collect();
    assert_eq!(amounts, ["33.33", "0.00"]);
    assert_eq!(ledger[1].capped_from, Some(eur("16.67")));
}

#[test]
fn credits_under_the_cap_are_untouched() {
    let rules = [ConsequenceRule {
        credit_percent: Some(dec("10")),
        cap_percent_per_period: Some(dec("10")),
        ..rule("response", ServiceCredit)
    }];
    let statuses = [judged(&response(), month("2025-03-01"), "150")];
    assert_eq!(credits(&rules, &[response()], &statuses), ["100.00"]);
}

#[test]
fn the_ledger_is_the_same_each_time_it_is_recomputed_and_follows_changed_measurements() {
    let rules = [tiered(Some("5"))];
    let period = month("2025-03-01");
    let summary = summary(Some("1000.00"), BillingCadence::Monthly);
    let before = [judged(&response(), period, "130")];
    let first = ledger_for_period(&summary, &[response()], &rules, &before, &period);
    assert_eq!(
        first,
        ledger_for_period(&summary, &[response()], &rules, &before, &period)
    );
    let corrected = [judged(&response(), period, "101")];
    let second = ledger_for_period(&summary, &[response()], &rules, &corrected, &period);
    assert_eq!(
        (first[0].amount, second[0].amount),
        (eur("250.00"), eur("50.00"))
    );
}
