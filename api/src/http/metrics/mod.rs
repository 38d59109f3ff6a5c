//! `/metrics`: Prometheus series from `prometheus-client` (the official Rust client: typed
//! label sets, one registry per server so tests may run several servers in one process, no
//! global recorder).

mod families;
mod operations;
mod page;
mod pool_waits;
mod process;
mod request;
mod traces;

pub use families::Metrics;
pub use page::metrics;
pub use request::{
    ConnectionCounter, OpenConnection, RequestSpan, note_caller, note_operation, noted_operation,
    noted_subject_kind, subject_kind,
};
