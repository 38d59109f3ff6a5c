//! Events leaving the outbox: the catalogue, payloads and their projection per reader, and
//! GraphQL subscriptions.

mod catalogue;
mod subscriptions;
mod subscriptions_bounds;
mod subscriptions_process;
mod support;
mod webhooks_endpoints;
mod webhooks_send;
mod ws;
