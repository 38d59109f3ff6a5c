use rust_decimal::Decimal;

use super::*;
use crate::agreement::measurement::Period;
use crate::agreement::measurement::fixtures::{day, dec, metric, summary};
use crate::agreement::sections::{BillingCadence, Comparator, MeasurementPeriod, Summary};

use BillingCadence::{Annual, Monthly, OneOff, Quarterly};

fn month() -> Period {
    Period::containing(day("2025-01-10"), MeasurementPeriod::Monthly)
}

fn quarter() -> Period {
    Period::containing(day("2025-01-10"), MeasurementPeriod::Quarterly)
}

fn fee_of(summary: &Summary, period: &Period) -> Option<String> {
    period_fee(summary, period).map(|money| money.amount_string())
}

#[test]
fn the_period_fee_follows_every_cadence_and_period_to_the_cent() {
    // (fee per billing period, cadence, measurement period, fee of the period)
    let cases = [
        ("1000.00", Monthly, month(), "1000.00"),
        ("1000.00", Monthly, quarter(), "3000.00"),
        ("1000.00", Quarterly, month(), "333.33"),
        ("1000.00", Quarterly, quarter(), "1000.00"),
        ("1000.00", Annual, month(), "83.33"),
        ("1000.00", Annual, quarter(), "250.00"),
        ("2000.00", Quarterly, month(), "666.67"),
        ("0.06", Annual, month(), "0.01"),
        // One-off over 2025 (365 days): January is 31 days, Q1 is 90.
        ("3650.00", OneOff, month(), "310.00"),
        ("3650.00", OneOff, quarter(), "900.00"),
        ("1000.00", OneOff, month(), "84.93"),
    ];
    for (fee, cadence, period, expected) in cases {
        let summary = summary(Some(fee), cadence);
        assert_eq!(
            fee_of(&summary, &period).as_deref(),
            Some(expected),
            "{fee} {cadence} for {period}"
        );
    }
}

#[test]
fn a_one_off_fee_is_spread_over_the_term_and_is_zero_outside_it() {
    let mut one_off = summary(Some("3650.00"), OneOff);
    one_off.effective_from = day("2025-01-22");
    // 10 of January's days are inside a term of 344 days.
    assert_eq!(fee_of(&one_off, &month()).as_deref(), Some("106.10"));
    let december_2024 = month().previous();
    assert_eq!(fee_of(&one_off, &december_2024).as_deref(), Some("0.00"));
}

#[test]
fn without_a_fee_or_with_an_open_ended_one_off_there_is_no_period_fee() {
    assert_eq!(fee_of(&summary(None, Monthly), &month()), None);
    let mut open_ended = summary(Some("1000.00"), OneOff);
    open_ended.effective_until = None;
    assert_eq!(fee_of(&open_ended, &month()), None);
}

#[test]
fn a_credit_is_a_percentage_of_the_exact_share_rounded_once() {
    // 1000.28 / 3 = 333.4266…: 50 % of it is 166.7133… → 166.71, where 50 % of the rounded
    // 333.43 would give 166.72.
    let summary = summary(Some("1000.28"), Quarterly);
    let fee = PeriodFee::of(&summary, &month()).expect("a fee");
    assert_eq!(fee.money().amount_string(), "333.43");
    assert_eq!(fee.percent(dec("50")).amount_string(), "166.71");
    assert_eq!(fee.currency().as_str(), "EUR");
}

#[test]
fn how_far_a_target_was_missed_is_a_percentage_of_the_target() {
    // (comparator, target, observed, missed by %)
    let cases = [
        (Comparator::AtMost, "30", "45", "50"),
        (Comparator::AtMost, "30", "30", "0"),
        (Comparator::AtMost, "30", "10", "0"),
        (Comparator::AtLeast, "100", "98", "2"),
        (Comparator::AtLeast, "99.9", "99.9", "0"),
        (Comparator::AtLeast, "80", "60", "25"),
        (Comparator::AtLeast, "-10", "-20", "100"),
        (
            Comparator::AtMost,
            "3",
            "4",
            "33.333333333333333333333333333",
        ),
    ];
    for (comparator, target, observed, expected) in cases {
        let metric = metric("m", comparator, target);
        assert_eq!(
            missed_by_percent(&metric, dec(observed)),
            dec(expected),
            "{comparator} {target} {observed}"
        );
    }
}

#[test]
fn any_miss_of_a_zero_target_reaches_every_tier() {
    let metric = metric("incidents", Comparator::AtMost, "0");
    assert_eq!(missed_by_percent(&metric, dec("1")), Decimal::MAX);
    assert_eq!(missed_by_percent(&metric, dec("0")), Decimal::ZERO);
}
