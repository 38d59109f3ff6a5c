use async_graphql::{InputObject, Result};
use chrono::NaiveDate;

use crate::error::ApiError;
use crate::graphql::error::gql;
use crate::graphql::scalars::DateScalar;
use crate::store::DateWindow;

/// An inclusive window of calendar days; either end may be left open. A row whose date is
/// unset (an open-ended term has no end) matches no window with a bound.
#[derive(Debug, Default, InputObject)]
pub struct DateRange {
    /// First day inside the window (inclusive).
    from: Option<DateScalar>,
    /// Last day inside the window (inclusive).
    to: Option<DateScalar>,
}

fn day(field: String, raw: &DateScalar) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.0.trim(), "%Y-%m-%d").map_err(|_| {
        gql(ApiError::bad_input(
            field,
            format!("`{}` is not a date like 2026-11-22", raw.0),
        ))
    })
}

impl DateRange {
    /// The window, checked: `field` names this input (`filter.termEnd`); a bad date names
    /// its own end (`filter.termEnd.from`), and `from` after `to` names `from`.
    pub(crate) fn into_window(self, field: &str) -> Result<DateWindow> {
        let from = self
            .from
            .as_ref()
            .map(|d| day(format!("{field}.from"), d))
            .transpose()?;
        let to = self
            .to
            .as_ref()
            .map(|d| day(format!("{field}.to"), d))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(gql(ApiError::bad_input(
                format!("{field}.from"),
                format!("must not be after `to` ({t})"),
            )));
        }
        Ok(DateWindow { from, to })
    }
}

/// The window of an optional range (no range: no bound).
pub(crate) fn window(range: Option<DateRange>, field: &str) -> Result<DateWindow> {
    range.map_or(Ok(DateWindow::default()), |r| r.into_window(field))
}
