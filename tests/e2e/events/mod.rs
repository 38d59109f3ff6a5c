//! Events leaving the outbox.

mod subscriptions;
mod subscriptions_bounds;
mod ws;
