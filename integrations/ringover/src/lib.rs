#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod config;
mod provider;
mod webhook;
mod wire;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use config::{ConfigError, DEFAULT_BASE_URL, RingoverConfig};
pub use provider::{NAME, RingoverProvider};
pub use webhook::{
    CallDirection, CallEvent, CallEventError, CallEventKind, CallerCard, ContactLookup,
    RingoverWebhook, SIGNATURE_HEADER, WebhookError, parse_call_event, parse_webhook,
    verify_webhook,
};
