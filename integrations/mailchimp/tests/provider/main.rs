//! The provider against a scripted local Mailchimp: what it sends, and how it reads failures.

#[path = "../common/server.rs"]
#[expect(
    dead_code,
    reason = "shared with the contract test, which uses the proxy part"
)]
mod server;

mod batch;
mod erase;
mod failures;
mod support;
mod upsert;
mod webhook;
