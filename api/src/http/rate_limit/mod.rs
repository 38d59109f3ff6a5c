//! Request rate limits, with governor's keyed GCRA limiters: one bucket per token subject for
//! accepted tokens, one per client address for unauthenticated and refused requests, one per
//! webhook route. Past a limit the answer is 429 with `Retry-After`; every counted answer
//! carries `RateLimit-Policy` and `RateLimit` as draft-ietf-httpapi-ratelimit-headers-10
//! writes them (`"address";q=60;w=60` and `"address";r=0;t=12`).
//!
//! Buckets that have refilled are forgotten once a minute (`retain_recent`), so memory follows
//! the clients of the last minute, not every client ever seen.

mod bucket;
mod limits;
mod middleware;

pub use bucket::Decision;
pub use limits::{Limits, admit_subject};
pub use middleware::rate_limit_middleware;
