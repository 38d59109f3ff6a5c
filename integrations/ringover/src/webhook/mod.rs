//! Webhooks from Ringover: checking their signature, reading call events and caller-ID
//! lookups, and the card a lookup is answered with.

mod call_event;
mod caller_card;
mod signature;

pub use call_event::{
    CallDirection, CallEvent, CallEventError, CallEventKind, ContactLookup, RingoverWebhook,
    parse_call_event, parse_webhook,
};
pub use caller_card::CallerCard;
#[cfg(any(test, feature = "testing"))]
pub(crate) use signature::{REGISTERED_CLAIMS, sign};
pub use signature::{SIGNATURE_HEADER, WebhookError, verify_webhook};
