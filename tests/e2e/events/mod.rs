//! Events leaving the outbox: subscriptions and the notification inbox.

mod inbox;
mod subscriptions;
mod subscriptions_bounds;
mod subscriptions_process;
mod webhooks_endpoints;
mod webhooks_send;
mod ws;
