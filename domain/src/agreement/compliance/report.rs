//! Compliance of every metric of an agreement for the period containing a date.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{ComplianceStatus, observed, status};
use crate::agreement::measurement::{Measurement, Period};
use crate::agreement::sections::{MeasurementPeriod, Metric, MetricKey};

/// How one metric fared in one of its periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricCompliance {
    /// The metric.
    pub metric_key: MetricKey,
    /// The metric's own period this judges (a month or a quarter).
    pub period: Period,
    /// The verdict.
    pub status: ComplianceStatus,
    /// The value the metric's calculation observed; `None` when not measured.
    pub observed: Option<Decimal>,
    /// The target it was judged against (of the revision passed in).
    pub target: Decimal,
    /// How many measurements fell in the period.
    pub measurement_count: usize,
}

/// Compliance of all metrics for the period containing one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceReport {
    /// First day of the span covered: the earliest start of the metrics' periods.
    pub period_start: NaiveDate,
    /// Last day of the span covered: the latest end of the metrics' periods.
    pub period_end: NaiveDate,
    /// The worst status of the metrics; `NOT_MEASURED` only when none was measured (or there
    /// are no metrics).
    pub overall: ComplianceStatus,
    /// One entry per metric, in the order of `metrics`.
    pub metrics: Vec<MetricCompliance>,
}

/// Judges `metric` over `period` using the measurements of that metric whose `observed_at`
/// falls in the period (UTC dates; `period_start` stored on a measurement is not consulted, so
/// an amendment that changes a metric's period cannot strand old measurements).
pub fn metric_compliance(
    metric: &Metric,
    measurements: &[Measurement],
    period: Period,
) -> MetricCompliance {
    let relevant: Vec<&Measurement> = measurements
        .iter()
        .filter(|m| m.metric_key == metric.key && period.contains_instant(m.observed_at))
        .collect();
    let observed = observed(metric.calculation, &relevant);
    MetricCompliance {
        metric_key: metric.key.clone(),
        period,
        status: status(metric, observed),
        observed,
        target: metric.target,
        measurement_count: relevant.len(),
    }
}

/// Compliance "for the period containing `date`": each metric is judged over ITS OWN period
/// that contains `date` (a monthly metric over the month, a quarterly one over the quarter), so
/// with mixed periods the report spans the quarter (`period_start`/`period_end` are the
/// earliest start and latest end; a month always lies inside its quarter). With no metrics it
/// spans the month containing `date`.
///
/// `metrics` are those of the revision in force in that period; `measurements` may include
/// any others (other metrics, other periods): they are ignored.
pub fn compliance_report(
    metrics: &[Metric],
    measurements: &[Measurement],
    date: NaiveDate,
) -> ComplianceReport {
    let entries: Vec<MetricCompliance> = metrics
        .iter()
        .map(|metric| {
            metric_compliance(
                metric,
                measurements,
                Period::containing(date, metric.period),
            )
        })
        .collect();
    let month = Period::containing(date, MeasurementPeriod::Monthly);
    let period_start = entries
        .iter()
        .map(|entry| entry.period.start())
        .min()
        .unwrap_or(month.start());
    let period_end = entries
        .iter()
        .map(|entry| entry.period.end())
        .max()
        .unwrap_or(month.end());
    ComplianceReport {
        period_start,
        period_end,
        overall: ComplianceStatus::worst(entries.iter().map(|entry| entry.status)),
        metrics: entries,
    }
}
