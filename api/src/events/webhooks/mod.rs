//! Outbound webhooks (Standard Webhooks): endpoints, the deliveries the relay fans out to
//! them, and sending.

pub mod guard;
pub mod send;
pub mod sign;
