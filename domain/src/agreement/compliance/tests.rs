use super::*;
use crate::agreement::measurement::fixtures::{day, dec, measurement, metric};
use crate::agreement::measurement::{Measurement, Period};
use crate::agreement::sections::{Calculation, Comparator, MeasurementPeriod, Metric};

use Calculation::{AsCaptured, Average, P95};
use Comparator::{AtLeast, AtMost};
use ComplianceStatus::{AtRisk, Breached, Compliant, NotMeasured};

/// Measurements of `m` on consecutive days of May 2025, in the order given.
fn series(values: &[&str]) -> Vec<Measurement> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| measurement("m", v, &format!("2025-05-{:02}T12:00:00Z", i + 1)))
        .collect()
}

fn judge(metric: &Metric, values: &[&str]) -> MetricCompliance {
    metric_compliance(
        metric,
        &series(values),
        Period::containing(day("2025-05-15"), MeasurementPeriod::Monthly),
    )
}

#[test]
fn each_comparator_and_calculation_judges_the_observed_value() {
    // (comparator, calculation, values in observation order, target, warning, observed, status)
    let cases = [
        (
            AtMost,
            AsCaptured,
            &["90", "10"][..],
            "30",
            Some("25"),
            "10",
            Compliant,
        ),
        (
            AtMost,
            AsCaptured,
            &["10", "27"][..],
            "30",
            Some("25"),
            "27",
            AtRisk,
        ),
        (
            AtMost,
            AsCaptured,
            &["10", "31"][..],
            "30",
            Some("25"),
            "31",
            Breached,
        ),
        (
            AtMost,
            Average,
            &["20", "22", "24"][..],
            "30",
            Some("25"),
            "22",
            Compliant,
        ),
        (
            AtMost,
            Average,
            &["20", "30", "31"][..],
            "30",
            Some("25"),
            "27",
            AtRisk,
        ),
        (
            AtMost,
            Average,
            &["30", "31"][..],
            "30",
            Some("25"),
            "30.5",
            Breached,
        ),
        (
            AtMost,
            P95,
            &["1", "2", "24"][..],
            "30",
            Some("25"),
            "24",
            Compliant,
        ),
        (
            AtMost,
            P95,
            &["1", "2", "26"][..],
            "30",
            Some("25"),
            "26",
            AtRisk,
        ),
        (
            AtMost,
            P95,
            &["1", "2", "45"][..],
            "30",
            Some("25"),
            "45",
            Breached,
        ),
        (
            AtLeast,
            AsCaptured,
            &["90", "99.99"][..],
            "99.9",
            Some("99.95"),
            "99.99",
            Compliant,
        ),
        (
            AtLeast,
            AsCaptured,
            &["100", "99.92"][..],
            "99.9",
            Some("99.95"),
            "99.92",
            AtRisk,
        ),
        (
            AtLeast,
            AsCaptured,
            &["100", "99.8"][..],
            "99.9",
            Some("99.95"),
            "99.8",
            Breached,
        ),
        (
            AtLeast,
            Average,
            &["100", "99.98"][..],
            "99.9",
            Some("99.95"),
            "99.99",
            Compliant,
        ),
        (
            AtLeast,
            Average,
            &["100", "99.8"][..],
            "99.9",
            Some("99.95"),
            "99.9",
            AtRisk,
        ),
        (
            AtLeast,
            Average,
            &["99.9", "99.8"][..],
            "99.9",
            Some("99.95"),
            "99.85",
            Breached,
        ),
        (
            AtLeast,
            P95,
            &["99", "99.99"][..],
            "99.9",
            Some("99.95"),
            "99.99",
            Compliant,
        ),
        (
            AtLeast,
            P95,
            &["99.99", "99.9"][..],
            "99.9",
            Some("99.95"),
            "99.99",
            Compliant,
        ),
        (
            AtLeast,
            P95,
            &["99", "99.5"][..],
            "99.9",
            None,
            "99.5",
            Breached,
        ),
    ];
    for (comparator, calculation, values, target, warning, observed, expected) in cases {
        let metric = Metric {
            calculation,
            warning_threshold: warning.map(dec),
            ..metric("m", comparator, target)
        };
        let judged = judge(&metric, values);
        let case = format!("{comparator} {calculation} {values:?}");
        assert_eq!(judged.observed, Some(dec(observed)), "{case}");
        assert_eq!(judged.status, expected, "{case}");
        assert_eq!(judged.measurement_count, values.len(), "{case}");
        assert_eq!(judged.target, dec(target), "{case}");
    }
}

#[test]
fn exactly_on_the_target_meets_it_and_exactly_on_the_warning_threshold_is_at_risk() {
    // (comparator, target, warning, observed, status)
    let cases = [
        (AtMost, "30", None, "30", Compliant),
        (AtMost, "30", None, "30.01", Breached),
        (AtMost, "30", Some("25"), "30", AtRisk),
        (AtMost, "30", Some("25"), "25", AtRisk),
        (AtMost, "30", Some("25"), "24.99", Compliant),
        (AtMost, "30", Some("30"), "30", AtRisk),
        (AtLeast, "99.9", None, "99.9", Compliant),
        (AtLeast, "99.9", None, "99.89", Breached),
        (AtLeast, "99.9", Some("99.95"), "99.9", AtRisk),
        (AtLeast, "99.9", Some("99.95"), "99.95", AtRisk),
        (AtLeast, "99.9", Some("99.95"), "99.96", Compliant),
        (AtMost, "30", Some("35"), "30", Compliant),
    ];
    for (comparator, target, warning, observed, expected) in cases {
        let metric = Metric {
            warning_threshold: warning.map(dec),
            ..metric("m", comparator, target)
        };
        assert_eq!(
            status(&metric, Some(dec(observed))),
            expected,
            "{comparator} target {target} warning {warning:?} observed {observed}"
        );
    }
}

#[test]
fn a_metric_without_measurements_is_not_measured() {
    for calculation in Calculation::ALL.iter().copied() {
        let metric = Metric {
            calculation,
            ..metric("m", AtMost, "30")
        };
        let judged = judge(&metric, &[]);
        assert_eq!(judged.status, NotMeasured);
        assert_eq!(judged.observed, None);
        assert_eq!(judged.measurement_count, 0);
    }
}

#[test]
fn p95_is_the_nearest_rank_on_1_20_and_21_values() {
    // Values 1..=n listed in reverse, so sorting matters.
    for (n, expected) in [(1, "1"), (19, "19"), (20, "19"), (21, "20"), (100, "95")] {
        let values: Vec<String> = (1..=n).rev().map(|v: u32| v.to_string()).collect();
        let measurements: Vec<Measurement> = values
            .iter()
            .enumerate()
            .map(|(i, v)| measurement("m", v, &format!("2025-05-01T00:00:{:02}Z", i % 60)))
            .collect();
        let refs: Vec<&Measurement> = measurements.iter().collect();
        assert_eq!(observed(P95, &refs), Some(dec(expected)), "n = {n}");
    }
}

#[test]
fn as_captured_takes_the_latest_observation_whatever_the_order() {
    let mut measurements = series(&["5", "7", "6"]);
    let refs: Vec<&Measurement> = measurements.iter().collect();
    assert_eq!(observed(AsCaptured, &refs), Some(dec("6")));
    measurements.reverse();
    let refs: Vec<&Measurement> = measurements.iter().collect();
    assert_eq!(observed(AsCaptured, &refs), Some(dec("6")));
}

#[test]
fn an_average_is_rounded_to_four_places_half_away_from_zero() {
    let cases = [
        (&["1", "2", "2"][..], "1.6667"),
        (&["0.0001", "0"][..], "0.0001"),
        (&["1.23", "1.25"][..], "1.24"),
        (&["-0.0001", "0"][..], "-0.0001"),
    ];
    for (values, expected) in cases {
        let measurements = series(values);
        let refs: Vec<&Measurement> = measurements.iter().collect();
        assert_eq!(observed(Average, &refs), Some(dec(expected)), "{values:?}");
    }
}
