//! Provider faults end to end: contacts created through GraphQL, the API's store-backed worker,
//! the real provider crates, and stateful local mocks of Mailchimp and Ringover that fail on
//! script (`rapport_tests::mock`). Retries are scheduled by time: each step runs on a clock the
//! test advances.
//!
//! - Retryable faults (429 with and without `Retry-After`, 500/502/503, a reset connection, a
//!   response stalled past the client's timeout, malformed JSON, Mailchimp's bare 403) count an
//!   attempt, keep the job pending with the reason, and deliver once due again — one member or
//!   contact at the mock, never two.
//! - Mailchimp's permanent errors park the job as FAILED with the reason (`syncStatus`,
//!   `syncFailures`) and no later step calls Mailchimp for it again.
//! - Refused credentials (401; Ringover's bare 403, which its crate reads as unauthorized)
//!   pause the provider: the step report names it, `syncProviders` shows it paused with the
//!   reason, later steps skip it without a call.
//! - Mailchimp never has more calls in flight than its cap; Ringover stays under its rate.

mod classified;
mod common;
mod lost_answers;
mod under_load;
