//! Events leaving the outbox.

mod subscriptions;
mod subscriptions_bounds;
mod subscriptions_process;
mod ws;
