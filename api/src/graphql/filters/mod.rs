//! Filter inputs that several lists share, and the filters of the lists screens build on:
//! agreements, the service-credit ledger, accounts by compliance. Each part narrows the
//! list (AND of the parts given); bad input is BAD_USER_INPUT naming the input field, so
//! nothing runs.

mod agreement;
mod compliance;
mod credits;
mod date_range;

pub use agreement::AgreementFilter;
pub(crate) use compliance::compliance_query;
pub use credits::{CreditFilter, CreditQueries};
pub use date_range::DateRange;
pub(crate) use date_range::window;
