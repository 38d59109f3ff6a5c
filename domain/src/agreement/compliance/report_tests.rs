use super::*;
use crate::agreement::measurement::fixtures::{day, dec, measurement, metric};
use crate::agreement::sections::{Calculation, Comparator, MeasurementPeriod, Metric};

use Comparator::AtMost;
use ComplianceStatus::{AtRisk, Breached, Compliant, NotMeasured};

#[test]
fn a_report_judges_each_metric_over_its_own_period_containing_the_date() {
    let monthly = metric("response", AtMost, "30");
    let quarterly = Metric {
        period: MeasurementPeriod::Quarterly,
        calculation: Calculation::Average,
        ..metric("resolution", AtMost, "10")
    };
    let measurements = [
        measurement("response", "50", "2025-01-20T00:00:00Z"),
        measurement("response", "20", "2025-02-03T00:00:00Z"),
        measurement("resolution", "12", "2025-01-20T00:00:00Z"),
        measurement("resolution", "6", "2025-02-03T00:00:00Z"),
        measurement("resolution", "100", "2025-04-01T00:00:00Z"),
        measurement("other", "100", "2025-02-03T00:00:00Z"),
    ];
    let report = compliance_report(&[monthly, quarterly], &measurements, day("2025-02-10"));
    assert_eq!(report.period_start, day("2025-01-01"));
    assert_eq!(report.period_end, day("2025-03-31"));
    let response = &report.metrics[0];
    assert_eq!(response.period.start(), day("2025-02-01"));
    assert_eq!(
        (response.status, response.measurement_count),
        (Compliant, 1)
    );
    let resolution = &report.metrics[1];
    assert_eq!(resolution.period.start(), day("2025-01-01"));
    assert_eq!(resolution.observed, Some(dec("9")));
    assert_eq!(
        (resolution.status, resolution.measurement_count),
        (Compliant, 2)
    );
    assert_eq!(report.overall, Compliant);
}

#[test]
fn a_report_of_monthly_metrics_spans_the_month_and_without_metrics_too() {
    let report = compliance_report(&[metric("m", AtMost, "1")], &[], day("2025-02-10"));
    assert_eq!(
        (report.period_start, report.period_end),
        (day("2025-02-01"), day("2025-02-28"))
    );
    let empty = compliance_report(&[], &[], day("2025-02-10"));
    assert_eq!(
        (empty.period_start, empty.period_end),
        (day("2025-02-01"), day("2025-02-28"))
    );
    assert_eq!(empty.overall, NotMeasured);
}

#[test]
fn overall_is_the_worst_status_and_not_measured_only_when_nothing_was() {
    let cases = [
        (&[Compliant, NotMeasured][..], Compliant),
        (&[NotMeasured, NotMeasured][..], NotMeasured),
        (&[Compliant, AtRisk, NotMeasured][..], AtRisk),
        (&[AtRisk, Breached, Compliant][..], Breached),
        (&[][..], NotMeasured),
    ];
    for (statuses, expected) in cases {
        assert_eq!(
            ComplianceStatus::worst(statuses.iter().copied()),
            expected,
            "{statuses:?}"
        );
    }
}
