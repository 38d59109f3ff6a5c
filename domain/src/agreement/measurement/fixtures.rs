//! Builders shared by the tests of measurement, compliance and consequences.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{Measurement, Period};
use crate::agreement::compliance::{MetricCompliance, metric_compliance};
use crate::agreement::money::Money;
use crate::agreement::sections::{
    BillingCadence, Calculation, Comparator, ConsequenceKind, ConsequenceRule, MeasurementPeriod,
    Metric, MetricKey, MetricKind, MetricUnit, Summary,
};
use crate::values::Text;

pub(crate) fn dec(raw: &str) -> Decimal {
    raw.parse().expect("a decimal literal")
}

pub(crate) fn day(raw: &str) -> NaiveDate {
    raw.parse().expect("a date literal")
}

pub(crate) fn at(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .expect("an RFC 3339 literal")
        .with_timezone(&Utc)
}

pub(crate) fn key(raw: &str) -> MetricKey {
    MetricKey::parse("key", raw).expect("a metric key")
}

/// A monthly, as-captured metric in minutes.
pub(crate) fn metric(raw_key: &str, comparator: Comparator, target: &str) -> Metric {
    Metric {
        key: key(raw_key),
        name: Text::name("name", raw_key).expect("a name"),
        kind: MetricKind::Custom,
        unit: MetricUnit::Minutes,
        comparator,
        target: dec(target),
        warning_threshold: None,
        period: MeasurementPeriod::Monthly,
        calculation: Calculation::AsCaptured,
    }
}

pub(crate) fn measurement(raw_key: &str, value: &str, observed_at: &str) -> Measurement {
    let observed_at = at(observed_at);
    Measurement {
        metric_key: key(raw_key),
        period_start: observed_at.date_naive(),
        value: dec(value),
        observed_at,
        source: Text::name("source", "probe").expect("a source"),
        recorded_by: "tester".to_owned(),
    }
}

pub(crate) fn eur(amount: &str) -> Money {
    Money::parse("fee", amount, "EUR").expect("an amount")
}

pub(crate) fn summary(fee: Option<&str>, cadence: BillingCadence) -> Summary {
    Summary {
        title: Text::name("title", "Support").expect("a title"),
        purpose: Text::name("purpose", "Support").expect("a purpose"),
        effective_from: day("2025-01-01"),
        effective_until: Some(day("2025-12-31")),
        fee: fee.map(eur),
        billing_cadence: cadence,
        our_signatory: None,
        their_signatory: None,
    }
}

/// A rule of `kind` with every parameter left out.
pub(crate) fn rule(raw_key: &str, kind: ConsequenceKind) -> ConsequenceRule {
    ConsequenceRule {
        metric_key: key(raw_key),
        kind,
        credit_percent: None,
        tiers: Vec::new(),
        penalty: None,
        escalate_to: None,
        breaches_to_terminate: None,
        within_periods: None,
        cap_percent_per_period: None,
    }
}

pub(crate) fn month(date: &str) -> Period {
    Period::containing(day(date), MeasurementPeriod::Monthly)
}

/// `metric` judged over `period` from one measurement of `value` on the period's first day.
pub(crate) fn judged(metric: &Metric, period: Period, value: &str) -> MetricCompliance {
    let observed_at = format!("{}T12:00:00Z", period.start());
    let measurements = [measurement(metric.key.as_str(), value, &observed_at)];
    metric_compliance(metric, &measurements, period)
}

/// `response`: at most 100 minutes, monthly, as captured.
pub(crate) fn response() -> Metric {
    metric("response", Comparator::AtMost, "100")
}
