//! Accounts and the client/customer relationship.

mod kinds;
mod model;
mod relationship;

pub use kinds::{AccountKind, AccountStatus, AcquisitionChannel, RelationshipType};
pub use model::{Account, AccountParts, NewAccount};
pub use relationship::{AgreementInForce, RelationshipChange};
