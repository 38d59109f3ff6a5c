//! When a failed webhook delivery is tried again: exponential backoff with full jitter
//! (a delay drawn uniformly between one second and the attempt's ceiling), the ceiling doubling
//! from one minute up to twelve hours, and no attempt more than three days after the first.
//!
//! | failed attempts | ceiling |
//! |---|---|
//! | 1 | 1 min |
//! | 2 | 2 min |
//! | … | doubling |
//! | 10 | 8 h 32 min |
//! | 11 and more | 12 h |
//!
//! Full jitter spreads the retries of many deliveries that failed together (an endpoint down
//! for an hour) instead of sending them back in one burst. The schedule is exhausted once the
//! next attempt would fall more than [`MAX_SPAN`] after the delivery was created: a delivery
//! failing all along gets about 18 attempts over the three days, then is given up.

use std::time::Duration;

/// The first ceiling.
pub const BASE: Duration = Duration::from_secs(60);
/// The largest ceiling.
pub const CAP: Duration = Duration::from_secs(12 * 3600);
/// No attempt later than this after the delivery was created.
pub const MAX_SPAN: Duration = Duration::from_secs(72 * 3600);
/// The shortest delay.
pub const FLOOR: Duration = Duration::from_secs(1);

/// The ceiling of the delay after `failed` failed attempts (1 = the first attempt failed).
pub fn ceiling(failed: u32) -> Duration {
    let doublings = failed.saturating_sub(1).min(20);
    BASE.saturating_mul(1u32 << doublings).min(CAP)
}

/// The delay before the next attempt, after `failed` failed attempts of a delivery created
/// `age` ago, with `unit` a uniform random number in [0, 1); `None` when the schedule is
/// exhausted (the delivery is given up).
pub fn next_delay(failed: u32, age: Duration, unit: f64) -> Option<Duration> {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let delay = ceiling(failed).mul_f64(unit).max(FLOOR);
    (age.saturating_add(delay) <= MAX_SPAN).then_some(delay)
}

/// A uniform random number in [0, 1) from the operating system's generator.
pub fn random_unit() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() >> 75; // 53 random bits
    #[allow(clippy::cast_precision_loss)]
    let unit = bits as f64 / (1u64 << 53) as f64;
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the spans below are reproducible.
    fn units(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            unit
        }
    }

    /// Runs a delivery failing every time to exhaustion: (attempts made, total span).
    fn run(mut unit: impl FnMut() -> f64) -> (u32, Duration) {
        let mut age = Duration::ZERO;
        let mut failed = 0;
        loop {
            failed += 1;
            match next_delay(failed, age, unit()) {
                Some(delay) => age += delay,
                None => return (failed, age),
            }
        }
    }

    #[test]
    fn delays_stay_between_the_floor_and_the_ceiling() {
        let mut unit = units(7);
        for failed in 1..40 {
            for _ in 0..200 {
                let delay = next_delay(failed, Duration::ZERO, unit()).expect("not exhausted");
                assert!(
                    delay >= FLOOR,
                    "attempt {failed}: {delay:?} under the floor"
                );
                assert!(
                    delay <= ceiling(failed),
                    "attempt {failed}: {delay:?} over the ceiling"
                );
            }
        }
        assert_eq!(next_delay(1, Duration::ZERO, 0.0), Some(FLOOR));
        assert_eq!(next_delay(30, Duration::ZERO, 1.0), Some(CAP));
        assert_eq!(next_delay(1, Duration::ZERO, f64::NAN), Some(BASE / 2));
    }

    #[test]
    fn the_mean_delay_never_decreases_and_levels_at_the_cap() {
        let mut unit = units(11);
        let mut previous = Duration::ZERO;
        for failed in 1..25 {
            let samples = 2000u32;
            let total: Duration = (0..samples)
                .map(|_| next_delay(failed, Duration::ZERO, unit()).expect("delay"))
                .sum();
            let mean = total / samples;
            let expected = ceiling(failed) / 2;
            // Within 10% of half the ceiling (uniform jitter), so non-decreasing up to noise.
            assert!(
                mean.as_secs_f64() > expected.as_secs_f64() * 0.9
                    && mean.as_secs_f64() < expected.as_secs_f64() * 1.1,
                "attempt {failed}: mean {mean:?}, expected about {expected:?}"
            );
            assert!(
                ceiling(failed) >= previous,
                "ceilings must not decrease: {failed}"
            );
            previous = ceiling(failed);
        }
        assert_eq!(ceiling(11), CAP);
        assert_eq!(ceiling(100), CAP);
    }

    #[test]
    fn a_delivery_failing_all_along_is_retried_for_about_three_days() {
        for seed in 1..50 {
            let (attempts, span) = run(units(seed));
            let hours = span.as_secs_f64() / 3600.0;
            assert!(
                (60.0..=72.0).contains(&hours),
                "seed {seed}: gave up after {hours:.1} h"
            );
            assert!(
                (10..=40).contains(&attempts),
                "seed {seed}: {attempts} attempts"
            );
        }
        // The extremes: always the ceiling, always the floor (which exhausts by count of time).
        let (_, longest) = run(|| 1.0);
        assert!(longest <= MAX_SPAN);
        let (_, shortest) = run(|| 0.0);
        assert!(shortest <= MAX_SPAN);
    }

    #[test]
    fn random_units_are_in_range() {
        for _ in 0..1000 {
            let unit = random_unit();
            assert!((0.0..1.0).contains(&unit));
        }
    }
}
