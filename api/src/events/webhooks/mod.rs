//! Outbound webhooks (Standard Webhooks): endpoints, the deliveries the relay fans out to
//! them, and sending.

pub mod dispatch;
pub mod fanout;
pub mod guard;
pub mod schedule;
pub mod send;
pub mod sign;
