//! How a period's measurements become one observed value.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::agreement::measurement::Measurement;
use crate::agreement::sections::Calculation;

/// Decimal places an average is rounded to.
pub const AVERAGE_SCALE: u32 = 4;

/// The value a metric's `calculation` observes in `measurements` (those of one metric in one
/// period), or `None` when there are none.
///
/// - `AS_CAPTURED`: the latest by `observed_at`; measurements observed at the same instant are
///   ordered by source, then value, and the last wins, so the answer never depends on the
///   order they were loaded in.
/// - `AVERAGE`: the arithmetic mean, rounded to [`AVERAGE_SCALE`] (4) decimal places half away
///   from zero. The rounded mean is both what is reported and what is judged against the
///   target, so what a user sees is what was decided.
/// - `P95`: the nearest-rank 95th percentile, the `ceil(0.95·n)`-th smallest value: with 1 to
///   19 values that is the largest, with 20 the 19th, with 21 the 20th. Never interpolated, so
///   it is always a value that was actually measured.
pub fn observed(calculation: Calculation, measurements: &[&Measurement]) -> Option<Decimal> {
    if measurements.is_empty() {
        return None;
    }
    match calculation {
        Calculation::AsCaptured => measurements
            .iter()
            .max_by(|a, b| {
                (a.observed_at, &a.source, a.value).cmp(&(b.observed_at, &b.source, b.value))
            })
            .map(|latest| latest.value),
        Calculation::Average => {
            let values: Vec<Decimal> = measurements.iter().map(|m| m.value).collect();
            mean(&values).map(|mean| {
                mean.round_dp_with_strategy(AVERAGE_SCALE, RoundingStrategy::MidpointAwayFromZero)
            })
        }
        Calculation::P95 => {
            let mut values: Vec<Decimal> = measurements.iter().map(|m| m.value).collect();
            values.sort_unstable();
            // ceil(0.95·n) = n − floor(n/20), without any overflow.
            let rank = values.len() - values.len() / 20;
            values.get(rank.checked_sub(1)?).copied()
        }
    }
}

/// The exact mean (to Decimal's 28 significant digits). Falls back to a running mean, which
/// cannot overflow, in the unreachable case of a sum beyond Decimal's range.
fn mean(values: &[Decimal]) -> Option<Decimal> {
    let count = Decimal::from(values.len());
    let sum = values
        .iter()
        .try_fold(Decimal::ZERO, |sum, value| sum.checked_add(*value));
    match sum {
        Some(sum) => sum.checked_div(count),
        None => values
            .iter()
            .enumerate()
            .try_fold(Decimal::ZERO, |mean, (i, value)| {
                let delta = value.checked_sub(mean)?;
                mean.checked_add(delta.checked_div(Decimal::from(i + 1))?)
            }),
    }
}
