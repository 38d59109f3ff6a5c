//! Mailchimp's webhooks: form-encoded events about members, typed for the api to apply.

mod event;
mod form;

pub use event::{CleanedReason, UnsubscribeAction, WebhookEvent, parse_webhook};

/// A webhook body that cannot be read. Messages name the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The body does not decode to UTF-8 form fields.
    #[error("the webhook body is not UTF-8 form data")]
    Encoding,
    /// Form fields, but no `type`.
    #[error("the webhook has no type")]
    MissingType,
    /// A field the event needs is absent or blank.
    #[error("the {kind} webhook has no {field}")]
    MissingField {
        /// The event type.
        kind: &'static str,
        /// The form key, as sent (`data[email]`).
        field: &'static str,
    },
    /// A field that must be an email address is not one.
    #[error("{field} of the {kind} webhook is not a valid email address")]
    InvalidEmail {
        /// The event type.
        kind: &'static str,
        /// The form key, as sent (`data[new_email]`).
        field: &'static str,
    },
}
