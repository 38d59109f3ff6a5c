//! The Ringover provider against a local mock of Ringover's API, and its webhook checks.

mod contacts;
mod faults;
mod rate;
mod support;
mod webhooks;
