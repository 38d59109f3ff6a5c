use chrono::TimeDelta;

use super::fixtures::{at, day, dec, metric};
use super::*;
use crate::agreement::sections::{Comparator, MeasurementPeriod, Metric, MetricUnit};

const MONTHLY: MeasurementPeriod = MeasurementPeriod::Monthly;
const QUARTERLY: MeasurementPeriod = MeasurementPeriod::Quarterly;

#[test]
fn periods_follow_calendar_months_and_quarters() {
    let cases = [
        ("2025-01-01", MONTHLY, "2025-01-01", "2025-01-31", "2025-01"),
        ("2024-02-29", MONTHLY, "2024-02-01", "2024-02-29", "2024-02"),
        ("2025-02-10", MONTHLY, "2025-02-01", "2025-02-28", "2025-02"),
        ("2025-12-31", MONTHLY, "2025-12-01", "2025-12-31", "2025-12"),
        (
            "2025-01-01",
            QUARTERLY,
            "2025-01-01",
            "2025-03-31",
            "2025-Q1",
        ),
        (
            "2025-05-17",
            QUARTERLY,
            "2025-04-01",
            "2025-06-30",
            "2025-Q2",
        ),
        (
            "2025-09-30",
            QUARTERLY,
            "2025-07-01",
            "2025-09-30",
            "2025-Q3",
        ),
        (
            "2025-11-02",
            QUARTERLY,
            "2025-10-01",
            "2025-12-31",
            "2025-Q4",
        ),
    ];
    for (date, kind, start, end, shown) in cases {
        let period = Period::containing(day(date), kind);
        assert_eq!(period.start(), day(start), "{date} {kind}");
        assert_eq!(period.end(), day(end), "{date} {kind}");
        assert_eq!(period.kind(), kind);
        assert_eq!(period.to_string(), shown);
        assert!(period.contains(day(date)));
    }
}

#[test]
fn next_and_previous_cross_the_year_boundary() {
    let december = Period::containing(day("2024-12-15"), MONTHLY);
    assert_eq!(december.next().start(), day("2025-01-01"));
    assert_eq!(december.next().previous(), december);
    let q1 = Period::containing(day("2025-02-01"), QUARTERLY);
    assert_eq!(q1.previous().start(), day("2024-10-01"));
    assert_eq!(q1.previous().end(), day("2024-12-31"));
    assert_eq!(q1.next().start(), day("2025-04-01"));
    assert_eq!(q1.days(), 90);
}

#[test]
fn a_window_lists_the_last_periods_oldest_first() {
    let march = Period::containing(day("2025-03-05"), MONTHLY);
    let starts: Vec<_> = march.window(3).iter().map(Period::start).collect();
    assert_eq!(
        starts,
        [day("2025-01-01"), day("2025-02-01"), day("2025-03-01")]
    );
    assert!(march.window(0).is_empty());
}

#[test]
fn an_instant_belongs_to_the_period_of_its_utc_date() {
    let late_evening_in_brazil = at("2025-01-31T23:30:00-02:00");
    let period = Period::containing_instant(late_evening_in_brazil, MONTHLY);
    assert_eq!(period.start(), day("2025-02-01"));
}

fn uptime() -> Metric {
    Metric {
        unit: MetricUnit::Percent,
        period: QUARTERLY,
        ..metric("uptime", Comparator::AtLeast, "99.9")
    }
}

fn raw(metric_key: &str, value: &str, observed_at: &str) -> NewMeasurement {
    NewMeasurement {
        metric_key: metric_key.to_owned(),
        value: value.to_owned(),
        observed_at: at(observed_at),
        source: " probe ".to_owned(),
    }
}

const NOW: &str = "2025-05-20T12:00:00Z";

#[test]
fn a_valid_measurement_is_parsed_with_the_start_of_its_metric_period() {
    let parsed = raw("uptime", "99.95", "2025-05-02T08:00:00Z")
        .parse(&[uptime()], "am-1", at(NOW))
        .expect("valid");
    assert_eq!(parsed.value, dec("99.95"));
    assert_eq!(parsed.period_start, day("2025-04-01"));
    assert_eq!(parsed.source.as_str(), "probe");
    assert_eq!(parsed.recorded_by, "am-1");
}

#[test]
fn values_are_checked_against_the_unit_of_their_metric() {
    let cases = [
        (MetricUnit::Percent, "0", true),
        (MetricUnit::Percent, "100", true),
        (MetricUnit::Percent, "100.01", false),
        (MetricUnit::Percent, "-0.1", false),
        (MetricUnit::Minutes, "0", true),
        (MetricUnit::Minutes, "-1", false),
        (MetricUnit::Hours, "-0.5", false),
        (MetricUnit::Days, "3.5", true),
        (MetricUnit::Count, "7", true),
        (MetricUnit::Count, "7.5", false),
        (MetricUnit::Count, "-1", false),
        (MetricUnit::Score, "-40", true),
    ];
    for (unit, value, accepted) in cases {
        let metrics = [Metric {
            unit,
            ..metric("m", Comparator::AtMost, "10")
        }];
        let result = raw("m", value, "2025-05-01T00:00:00Z").parse(&metrics, "am", at(NOW));
        assert_eq!(result.is_ok(), accepted, "{unit} {value}: {result:?}");
        if let Err(problems) = result {
            assert_eq!(problems[0].field, "value");
        }
    }
}

#[test]
fn values_that_are_not_plain_decimals_are_refused() {
    for value in [
        "",
        "abc",
        "1e3",
        "NaN",
        "inf",
        "1.2.3",
        "+5",
        "--1",
        "1.1234567",
        "1000000000001",
    ] {
        let problems = raw("uptime", value, "2025-05-01T00:00:00Z")
            .parse(
                &[Metric {
                    unit: MetricUnit::Score,
                    ..uptime()
                }],
                "am",
                at(NOW),
            )
            .expect_err(value);
        assert_eq!(problems.len(), 1, "{value}");
        assert_eq!(problems[0].field, "value", "{value}");
    }
}

#[test]
fn an_unknown_metric_key_is_refused_naming_metric_key() {
    let problems = raw("latency", "1", "2025-05-01T00:00:00Z")
        .parse(&[uptime()], "am", at(NOW))
        .expect_err("unknown metric");
    assert_eq!(problems[0].field, "metricKey");
    assert!(problems[0].message.contains("latency"));
}

#[test]
fn an_observation_beyond_the_clock_skew_is_refused_but_within_it_is_accepted() {
    let now = at(NOW);
    let mut item = raw("uptime", "99.95", NOW);
    item.observed_at = now + NewMeasurement::MAX_CLOCK_SKEW;
    assert!(item.parse(&[uptime()], "am", now).is_ok());
    item.observed_at = now + NewMeasurement::MAX_CLOCK_SKEW + TimeDelta::seconds(1);
    let problems = item.parse(&[uptime()], "am", now).expect_err("future");
    assert_eq!(problems[0].field, "observedAt");
}

#[test]
fn every_problem_of_an_item_is_reported() {
    let mut item = raw("nope", "x", "2030-01-01T00:00:00Z");
    item.source = "  ".to_owned();
    let problems = item.parse(&[uptime()], "am", at(NOW)).expect_err("bad");
    let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["metricKey", "value", "observedAt", "source"]);
}

#[test]
fn a_batch_with_one_bad_item_keeps_the_good_ones_with_per_item_errors() {
    let items = [
        raw("uptime", "99.95", "2025-05-01T00:00:00Z"),
        raw("uptime", "101", "2025-05-02T00:00:00Z"),
        raw("uptime", "99.5", "2025-05-03T00:00:00Z"),
        raw("latency", "3", "2025-05-03T00:00:00Z"),
    ];
    let outcome = validate_batch(&[uptime()], &items, "am", at(NOW));
    let kept: Vec<_> = outcome.valid.iter().map(|(i, m)| (*i, m.value)).collect();
    assert_eq!(kept, [(0, dec("99.95")), (2, dec("99.5"))]);
    let errors: Vec<_> = outcome
        .errors
        .iter()
        .map(|(i, e)| (*i, e.field.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, "measurements[1].value"),
            (3, "measurements[3].metricKey")
        ]
    );
    assert!(outcome.repeats.is_empty());
    assert!(!outcome.is_clean());
}

#[test]
fn the_same_measurement_twice_in_a_batch_is_a_repeat_not_an_error() {
    let items = [
        raw("uptime", "99.95", "2025-05-01T00:00:00Z"),
        raw("uptime", "99.950", "2025-05-01T00:00:00Z"),
    ];
    let outcome = validate_batch(&[uptime()], &items, "am", at(NOW));
    assert_eq!(outcome.valid.len(), 1);
    assert_eq!(outcome.repeats, [(1, 0)]);
    assert!(outcome.is_clean());
}

#[test]
fn two_values_for_one_observation_in_a_batch_are_a_contradiction() {
    let items = [
        raw("uptime", "99.95", "2025-05-01T00:00:00Z"),
        raw("uptime", "98", "2025-05-01T00:00:00Z"),
    ];
    let outcome = validate_batch(&[uptime()], &items, "am", at(NOW));
    assert_eq!(outcome.valid.len(), 1);
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].0, 1);
    assert_eq!(outcome.errors[0].1.field, "measurements[1].value");
    assert!(outcome.errors[0].1.message.contains("measurements[0]"));
}

#[test]
fn measurements_of_one_metric_instant_and_source_share_a_key_whatever_the_value() {
    let metrics = [uptime()];
    let parse = |item: NewMeasurement, by: &str| item.parse(&metrics, by, at(NOW)).expect("valid");
    let base = parse(raw("uptime", "99.95", "2025-05-01T00:00:00.123456Z"), "am");
    let resent = parse(raw("uptime", "98", "2025-05-01T00:00:00.1234569Z"), "admin");
    assert_eq!(
        base.key(),
        resent.key(),
        "value, recorder and nanoseconds do not count"
    );
    let mut other_source = raw("uptime", "99.95", "2025-05-01T00:00:00.123456Z");
    other_source.source = "Probe".to_owned();
    assert_ne!(
        base.key(),
        parse(other_source, "am").key(),
        "the source is case-sensitive"
    );
    let later = parse(raw("uptime", "99.95", "2025-05-01T00:00:00.123457Z"), "am");
    assert_ne!(base.key(), later.key());
}
