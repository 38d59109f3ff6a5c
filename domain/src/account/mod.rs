//! Accounts and the client/customer relationship.

mod domains;
mod kinds;
mod model;
mod new_account;
mod relationship;

pub use domains::{AccountDomain, MAX_DOMAINS, NamedBy};
pub use kinds::{AccountKind, AccountStatus, AcquisitionChannel, RelationshipType};
pub use model::{Account, AccountParts};
pub use new_account::NewAccount;
pub use relationship::{AgreementInForce, RelationshipChange};
