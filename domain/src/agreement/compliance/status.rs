//! Judging an observed value against a metric's target and warning threshold.

use rust_decimal::Decimal;

use crate::agreement::sections::{Comparator, Metric};
use crate::wire::wire_enum;

wire_enum!(
    /// How a metric fared in one period.
    ComplianceStatus, "status" {
        /// On the good side of the target and short of the warning threshold.
        Compliant => "COMPLIANT",
        /// Target met, but the warning threshold is reached.
        AtRisk => "AT_RISK",
        /// Target missed.
        Breached => "BREACHED",
        /// No measurement in the period.
        NotMeasured => "NOT_MEASURED",
    }
);

impl ComplianceStatus {
    /// Rank for "the worst of": `NOT_MEASURED` < `COMPLIANT` < `AT_RISK` < `BREACHED`.
    /// `NOT_MEASURED` ranks lowest so that an overall status is `NOT_MEASURED` only when no
    /// metric was measured.
    pub const fn severity(self) -> u8 {
        match self {
            Self::NotMeasured => 0,
            Self::Compliant => 1,
            Self::AtRisk => 2,
            Self::Breached => 3,
        }
    }

    /// The worst of `statuses` (by [`Self::severity`]); `NOT_MEASURED` when empty.
    pub fn worst(statuses: impl IntoIterator<Item = Self>) -> Self {
        statuses
            .into_iter()
            .max_by_key(|status| status.severity())
            .unwrap_or(Self::NotMeasured)
    }
}

/// Judges `observed` against `metric`.
///
/// `AT_MOST`: above the target is `BREACHED`; otherwise at or above the warning threshold is
/// `AT_RISK`; otherwise `COMPLIANT`. `AT_LEAST` mirrors it: below the target is `BREACHED`,
/// at or below the warning threshold `AT_RISK`. So:
/// - exactly on the target meets it (not a breach);
/// - exactly on the warning threshold is `AT_RISK` (the threshold is the first value that
///   warns), which makes "exactly on the target" `AT_RISK` whenever a warning threshold is set,
///   and `COMPLIANT` when none is;
/// - a warning threshold on the wrong side of the target (refused when an agreement is
///   submitted) can never be reached without a breach, so it changes nothing.
///
/// No observed value is `NOT_MEASURED`.
pub fn status(metric: &Metric, observed: Option<Decimal>) -> ComplianceStatus {
    let Some(observed) = observed else {
        return ComplianceStatus::NotMeasured;
    };
    let (missed, warned) = match metric.comparator {
        Comparator::AtMost => (
            observed > metric.target,
            metric.warning_threshold.is_some_and(|w| observed >= w),
        ),
        Comparator::AtLeast => (
            observed < metric.target,
            metric.warning_threshold.is_some_and(|w| observed <= w),
        ),
    };
    if missed {
        ComplianceStatus::Breached
    } else if warned {
        ComplianceStatus::AtRisk
    } else {
        ComplianceStatus::Compliant
    }
}
