use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef};

/// An inclusive window of days; either end may be open. Checked at the edge (`from` after
/// `to` is the client's mistake), so the store takes it as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateWindow {
    /// First day inside the window.
    pub from: Option<NaiveDate>,
    /// Last day inside the window.
    pub to: Option<NaiveDate>,
}

impl DateWindow {
    /// Rows whose date `column` lies in the window; a NULL date lies in no bounded window.
    pub(crate) fn on_date(self, column: impl IntoColumnRef + Copy) -> Condition {
        let mut cond = Condition::all();
        if let Some(from) = self.from {
            cond = cond.add(Expr::col(column).gte(from));
        }
        if let Some(to) = self.to {
            cond = cond.add(Expr::col(column).lte(to));
        }
        cond
    }

    /// Rows whose UTC instant `column` falls on a day of the window (`to` is the whole day:
    /// the condition is `< midnight after to`).
    pub(crate) fn on_instant(self, column: impl IntoColumnRef + Copy) -> Condition {
        let midnight = |d: NaiveDate| -> DateTime<Utc> {
            d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
        };
        let mut cond = Condition::all();
        if let Some(from) = self.from {
            cond = cond.add(Expr::col(column).gte(midnight(from)));
        }
        if let Some(next) = self.to.and_then(|to| to.checked_add_days(Days::new(1))) {
            cond = cond.add(Expr::col(column).lt(midnight(next)));
        }
        cond
    }
}
