#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod batch;
mod classify;
mod client;
mod config;
mod hash;
mod member;
mod provider;
mod webhook;

pub use batch::{
    BatchRejection, BatchReport, BatchSkip, BatchSynced, BatchUnsent, MAX_BATCH_MEMBERS, SkipReason,
};
pub use classify::{PERMANENT_TITLES, classify_failure};
pub use config::{ConfigError, MailchimpConfig};
pub use hash::{InvalidSubscriberHash, SubscriberHash};
pub use member::{status_if_new, status_to_send};
pub use provider::{ArchiveOutcome, MailchimpProvider};
pub use webhook::{CleanedReason, UnsubscribeAction, WebhookError, WebhookEvent, parse_webhook};
