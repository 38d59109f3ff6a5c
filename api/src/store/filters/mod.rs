//! The WHERE side of list reads that screens filter: agreements by status, account,
//! relationship and date windows; the credit ledger by period, account and metric; accounts by
//! the compliance of their agreements in force. Every part is a condition the database
//! evaluates (composable, AND of the given parts), so pages and keysets hold whatever the
//! filter says; the partner scope is added by the reads themselves, never by a filter.

mod agreements;
mod compliance;
mod credits;
mod window;

pub use agreements::AgreementQuery;
pub use compliance::ComplianceQuery;
pub use credits::CreditQuery;
pub use window::DateWindow;

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait};

/// A condition no row meets.
pub(crate) fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}
