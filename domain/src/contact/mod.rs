//! Contacts: the people at an account.

mod consent;
mod model;

pub use consent::EmailConsent;
pub use model::{Contact, ContactDetails, ContactParts};
