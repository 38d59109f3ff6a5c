//! Adding std durations to chrono times without panicking.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// `at + by`, saturating at the largest representable time instead of panicking: a huge backoff
/// cap or lease means "practically never", not a crash.
pub(crate) fn after(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(by)
        .ok()
        .and_then(|by| at.checked_add_signed(by))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_an_enormous_duration_saturates_instead_of_panicking() {
        let now = Utc::now();
        assert_eq!(after(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(
            after(now, Duration::from_secs(60)),
            now + TimeDelta::seconds(60)
        );
    }
}
