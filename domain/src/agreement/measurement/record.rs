//! One measurement of a metric, parsed from raw input at the edge.

use chrono::{DateTime, NaiveDate, SubsecRound, TimeDelta, Utc};
use rust_decimal::Decimal;

use super::Period;
use crate::agreement::sections::{Metric, MetricKey, MetricUnit};
use crate::error::ValidationError;
use crate::values::Text;

/// A recorded value of one metric.
///
/// Compliance is decided by `observed_at` (its UTC date picks the period); `period_start` is
/// the start of the metric's period at recording time, kept for listing and indexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// The metric measured.
    pub metric_key: MetricKey,
    /// First day of the metric's period that contains `observed_at`.
    pub period_start: NaiveDate,
    /// The value, in the metric's unit.
    pub value: Decimal,
    /// When the value was observed (to the microsecond).
    pub observed_at: DateTime<Utc>,
    /// Where the value comes from (`zendesk`, `manual`, a monitoring probe).
    pub source: Text,
    /// Subject of whoever recorded it.
    pub recorded_by: String,
}

/// The identity of a measurement within one agreement: metric key, observation instant (to the
/// microsecond) and source, compared exactly (the source is case-sensitive).
///
/// The store makes `(agreement, metric_key, observed_at, source)` unique, so sending the same
/// measurement again is idempotent. The value and the recorder are not part of the identity:
/// the same observation sent again with another value is a correction of that observation, not
/// a second one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeasurementKey {
    /// The metric measured.
    pub metric_key: MetricKey,
    /// When the value was observed.
    pub observed_at: DateTime<Utc>,
    /// Where the value comes from.
    pub source: Text,
}

impl Measurement {
    /// Its identity (see [`MeasurementKey`]).
    pub fn key(&self) -> MeasurementKey {
        MeasurementKey {
            metric_key: self.metric_key.clone(),
            observed_at: self.observed_at,
            source: self.source.clone(),
        }
    }
}

/// A measurement as it arrives from the outside, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasurement {
    /// Key of the metric measured (`metricKey`).
    pub metric_key: String,
    /// The value as a plain decimal string such as `"99.95"` (`value`).
    pub value: String,
    /// When it was observed (`observedAt`).
    pub observed_at: DateTime<Utc>,
    /// Where it comes from (`source`).
    pub source: String,
}

impl NewMeasurement {
    /// How far in the future `observedAt` may be, for clocks that are slightly off.
    pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);
    /// Most decimal places a value may carry.
    pub const MAX_SCALE: u32 = 6;
    /// Largest magnitude a value may have; with [`Self::MAX_SCALE`] it keeps sums of any
    /// realistic number of measurements exact.
    pub const MAX_MAGNITUDE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
    /// Longest source name, in characters.
    pub const MAX_SOURCE_CHARS: usize = 100;

    /// Checks the input against the agreement's `metrics` and the clock `now`, and answers the
    /// measurement or every problem found, each naming its field (`metricKey`, `value`,
    /// `observedAt`, `source`):
    /// - the metric key must be one of `metrics`;
    /// - the value must be a plain decimal (no exponent, no `NaN`/`inf`), at most
    ///   [`Self::MAX_SCALE`] decimals and [`Self::MAX_MAGNITUDE`] in size; in 0–100 for
    ///   `PERCENT`, not negative for times (`MINUTES`, `HOURS`, `DAYS`), a whole non-negative
    ///   number for `COUNT`, any value for `SCORE`;
    /// - `observedAt` must not be later than `now` plus [`Self::MAX_CLOCK_SKEW`]; it is kept to
    ///   the microsecond (PostgreSQL's precision) so its identity survives storage;
    /// - the source must be 1–100 characters on one line.
    pub fn parse(
        &self,
        metrics: &[Metric],
        recorded_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Measurement, Vec<ValidationError>> {
        let mut problems = Vec::new();
        let metric = metrics
            .iter()
            .find(|metric| metric.key.as_str() == self.metric_key);
        if metric.is_none() {
            problems.push(ValidationError::new(
                "metricKey",
                format!("`{}` is not a metric of this agreement", self.metric_key),
            ));
        }
        let value = parse_value(&self.value)
            .and_then(|value| match metric {
                Some(metric) => check_unit(metric.unit, value),
                None => Ok(value),
            })
            .map_err(|message| problems.push(ValidationError::new("value", message)))
            .ok();
        let observed_at = self.observed_at.trunc_subsecs(6);
        if observed_at > now + Self::MAX_CLOCK_SKEW {
            problems.push(ValidationError::new(
                "observedAt",
                format!("{observed_at} is in the future (now is {now})"),
            ));
        }
        let source = Text::parse("source", &self.source, Self::MAX_SOURCE_CHARS, false)
            .map_err(|problem| problems.push(problem))
            .ok();
        match (metric, value, source) {
            (Some(metric), Some(value), Some(source)) if problems.is_empty() => Ok(Measurement {
                metric_key: metric.key.clone(),
                period_start: Period::containing_instant(observed_at, metric.period).start(),
                value,
                observed_at,
                source,
                recorded_by: recorded_by.to_owned(),
            }),
            _ => Err(problems),
        }
    }
}

/// A plain decimal: optional minus sign, digits, at most one decimal point.
fn parse_value(raw: &str) -> Result<Decimal, String> {
    let plain = raw.trim();
    let digits = plain.strip_prefix('-').unwrap_or(plain);
    let well_formed = digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    let value = if well_formed {
        plain.parse::<Decimal>().ok()
    } else {
        None
    };
    let value = value.ok_or_else(|| format!("`{raw}` is not a decimal number like 99.95"))?;
    if value.scale() > NewMeasurement::MAX_SCALE {
        return Err(format!(
            "must have at most {} decimal places",
            NewMeasurement::MAX_SCALE
        ));
    }
    if value.abs() > NewMeasurement::MAX_MAGNITUDE {
        return Err(format!(
            "must be at most {} in size",
            NewMeasurement::MAX_MAGNITUDE
        ));
    }
    Ok(value)
}

/// The range each unit allows.
fn check_unit(unit: MetricUnit, value: Decimal) -> Result<Decimal, String> {
    match unit {
        MetricUnit::Percent if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED => {
            Err("a percentage must be between 0 and 100".to_owned())
        }
        MetricUnit::Minutes | MetricUnit::Hours | MetricUnit::Days if value < Decimal::ZERO => {
            Err("a duration must not be negative".to_owned())
        }
        MetricUnit::Count if value < Decimal::ZERO || !value.is_integer() => {
            Err("a count must be a whole number, not negative".to_owned())
        }
        _ => Ok(value),
    }
}
