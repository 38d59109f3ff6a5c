//! Webhooks from Ringover: checking their signature, reading call events.

mod call_event;
mod signature;

pub use call_event::{CallDirection, CallEvent, CallEventError, CallEventKind, parse_call_event};
#[cfg(any(test, feature = "testing"))]
pub(crate) use signature::{REGISTERED_CLAIMS, sign};
pub use signature::{SIGNATURE_HEADER, WebhookError, verify_webhook};
