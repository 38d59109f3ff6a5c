//! What operators watch: `/metrics` (requests by route, status and operation, latency,
//! statements per request, pools and their waits, lags, memory, connections), the JSON log fields of a request
//! and the start banner.

mod metrics;
mod page;
mod pool_waits;
mod process;
mod traces;
