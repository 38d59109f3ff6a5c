//! Measurements of an agreement's metrics: calendar periods, one measurement parsed from raw
//! input, and batches checked item by item.

mod batch;
#[cfg(test)]
pub(crate) mod fixtures;
mod period;
mod record;
#[cfg(test)]
mod tests;

pub use batch::{BatchValidation, validate_batch};
pub use period::Period;
pub(crate) use period::kind_months;
pub use record::{Measurement, MeasurementKey, NewMeasurement};
