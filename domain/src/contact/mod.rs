//! Contacts: the people at an account.

mod consent;
mod interaction;
mod model;

pub use consent::EmailConsent;
pub use interaction::{InteractionDirection, InteractionKind};
pub use model::{Contact, ContactDetails, ContactParts};
