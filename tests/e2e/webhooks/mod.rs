//! Inbound webhooks, through HTTP: Mailchimp's member events change consent, names and
//! addresses once per event without being echoed back to Mailchimp; Ringover's signed call
//! events become interactions on the contact with the number; both are bounded in size.

mod common;
mod interactions;
mod limits_and_erasure;
mod mailchimp_consent;
mod mailchimp_events;
mod ringover;
