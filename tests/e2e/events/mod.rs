//! Events leaving the outbox: the notification inbox.

mod inbox;
