//! Calendar measurement periods: months and quarters, in UTC.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::agreement::sections::MeasurementPeriod;

/// One calendar month or quarter, from its first to its last day (both inclusive).
///
/// Built only by [`Period::containing`] (and `next`/`previous`), so a period is always aligned
/// to the calendar: there is no "15 January to 14 February". Periods follow UTC dates: a
/// measurement observed at `2025-01-31T23:30:00-02:00` is `2025-02-01` in UTC and belongs to
/// February.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
    kind: MeasurementPeriod,
}

impl Period {
    /// The month or quarter that contains `date`.
    pub fn containing(date: NaiveDate, kind: MeasurementPeriod) -> Self {
        let months = kind_months(kind);
        let first_month = (date.month0() / months) * months + 1;
        // Day 1 of a month of the date's own year always exists.
        let start = NaiveDate::from_ymd_opt(date.year(), first_month, 1).unwrap_or(date);
        let (next_year, next_month) = if first_month + months > 12 {
            (date.year() + 1, first_month + months - 12)
        } else {
            (date.year(), first_month + months)
        };
        // Past the last representable date, the period simply ends at `NaiveDate::MAX`, which
        // is the 31 December of the last representable year: still the true calendar end.
        let end = NaiveDate::from_ymd_opt(next_year, next_month, 1)
            .and_then(|next_start| next_start.pred_opt())
            .unwrap_or(NaiveDate::MAX);
        Self { start, end, kind }
    }

    /// The period of `kind` that contains the UTC date of `at`.
    pub fn containing_instant(at: DateTime<Utc>, kind: MeasurementPeriod) -> Self {
        Self::containing(at.date_naive(), kind)
    }

    /// First day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// Last day (inclusive).
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Month or quarter.
    pub fn kind(&self) -> MeasurementPeriod {
        self.kind
    }

    /// Whether `date` falls within the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// Whether the UTC date of `at` falls within the period.
    pub fn contains_instant(&self, at: DateTime<Utc>) -> bool {
        self.contains(at.date_naive())
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The period right after this one (the same period at the end of chrono's date range).
    #[must_use]
    pub fn next(&self) -> Self {
        self.end
            .succ_opt()
            .map_or(*self, |day| Self::containing(day, self.kind))
    }

    /// The period right before this one (the same period at the start of chrono's date range).
    #[must_use]
    pub fn previous(&self) -> Self {
        self.start
            .pred_opt()
            .map_or(*self, |day| Self::containing(day, self.kind))
    }

    /// The `count` periods that end with this one, oldest first (`count` 0 is empty): the
    /// window a "N breaches within M periods" rule looks at, and the history the caller must
    /// compute compliance for.
    pub fn window(&self, count: u32) -> Vec<Self> {
        let mut periods = Vec::new();
        let mut current = *self;
        for _ in 0..count {
            periods.push(current);
            let previous = current.previous();
            if previous == current {
                break;
            }
            current = previous;
        }
        periods.reverse();
        periods
    }
}

/// Chronological: by first day, then a month before the quarter that starts with it.
impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.start, self.end).cmp(&(other.start, other.end))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// `2025-01` for a month, `2025-Q1` for a quarter.
impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            MeasurementPeriod::Monthly => {
                write!(f, "{:04}-{:02}", self.start.year(), self.start.month())
            }
            MeasurementPeriod::Quarterly => {
                write!(
                    f,
                    "{:04}-Q{}",
                    self.start.year(),
                    self.start.month0() / 3 + 1
                )
            }
        }
    }
}

/// Calendar months in one period of `kind`.
pub(crate) const fn kind_months(kind: MeasurementPeriod) -> u32 {
    match kind {
        MeasurementPeriod::Monthly => 1,
        MeasurementPeriod::Quarterly => 3,
    }
}
