//! Checking a batch of measurements item by item.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Measurement, MeasurementKey, NewMeasurement};
use crate::agreement::sections::Metric;
use crate::error::ValidationError;

/// What became of each item of a batch; every index of the input appears in exactly one list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchValidation {
    /// Items to record, with their index in the batch; no two share a [`MeasurementKey`], so
    /// one multi-row insert never hits the same unique key twice.
    pub valid: Vec<(usize, Measurement)>,
    /// Items that repeat an earlier item of the same batch exactly (same key, same value):
    /// `(index, index of the earlier item)`. Not an error: sending twice is idempotent.
    pub repeats: Vec<(usize, usize)>,
    /// Problems, by item index, each naming its field under `measurements[i]`
    /// (`measurements[2].value`). An item may have several.
    pub errors: Vec<(usize, ValidationError)>,
}

impl BatchValidation {
    /// Whether no item had a problem.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks every item of a batch on its own (see [`NewMeasurement::parse`]); a bad item never
/// drops the good ones. Within the batch, an item with the key of an earlier valid item is a
/// repeat when the values are equal and an error on `measurements[i].value` when they differ
/// (two different values for one observation in one request is a contradiction, not a
/// correction).
pub fn validate_batch(
    metrics: &[Metric],
    items: &[NewMeasurement],
    recorded_by: &str,
    now: DateTime<Utc>,
) -> BatchValidation {
    let mut outcome = BatchValidation::default();
    let mut seen: HashMap<MeasurementKey, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let parent = format!("measurements[{index}]");
        let measurement = match item.parse(metrics, recorded_by, now) {
            Ok(measurement) => measurement,
            Err(problems) => {
                outcome.errors.extend(
                    problems
                        .into_iter()
                        .map(|problem| (index, problem.within(&parent))),
                );
                continue;
            }
        };
        let key = measurement.key();
        let earlier = seen.get(&key).and_then(|&position| {
            outcome
                .valid
                .get(position)
                .map(|(first, kept)| (*first, kept.value))
        });
        match earlier {
            Some((first, value)) if value == measurement.value => {
                outcome.repeats.push((index, first));
            }
            Some((first, value)) => outcome.errors.push((
                index,
                ValidationError::new(
                    format!("{parent}.value"),
                    format!(
                        "measurements[{first}] records the same observation with value {value}"
                    ),
                ),
            )),
            None => {
                seen.insert(key, outcome.valid.len());
                outcome.valid.push((index, measurement));
            }
        }
    }
    outcome
}
