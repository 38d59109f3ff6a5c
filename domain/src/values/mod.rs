//! Value types: parsed once at the edge, valid by construction afterwards.

mod custom_field;
mod email;
mod email_domain;
mod external_ref;
mod phone;
mod tags;
mod text;

pub use custom_field::{CustomField, CustomFieldType, CustomFields};
pub use email::EmailAddress;
pub use email_domain::EmailDomain;
pub use external_ref::ExternalRef;
pub use phone::{Phone, PhoneNumber, PhoneType};
pub use tags::Tags;
pub use text::Text;
