//! Stateful local stand-ins for the providers' HTTP APIs, for end-to-end tests and benchmarks
//! that run the real provider crates against something that behaves like Mailchimp and Ringover.
//!
//! Each mock ([`MailchimpMock`], [`RingoverMock`]) serves HTTP/1.1 on a free port of 127.0.0.1,
//! keeps the provider's state (audience members by subscriber hash; contacts with their
//! numbers), and answers the calls our provider crates make the way the real API does, errors
//! included (see each module). What is not about one provider is shared:
//!
//! - [`MockOptions`]: latency per call (with seeded jitter), a connection cap (Mailchimp answers
//!   429 past it), a seeded share of injected 500/502/503 answers;
//! - [`FaultScript`]: scripted [`Fault`]s for the next requests, or the next requests of one
//!   route — an answer (429 with or without `Retry-After`, 5xx, a bare 403, 401), a reset
//!   connection, a stall past the client's timeout, a malformed JSON body over an applied write;
//! - [`Stats`] and [`MockServer::log`]: requests per route, the most in flight at once, 429s
//!   sent over the cap, injected errors, arrival times.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use rapport_tests::mock::{Fault, MailchimpMock, MockOptions, mailchimp};
//!
//! let mock = MailchimpMock::start_with(MockOptions {
//!     latency: Duration::from_millis(20),
//!     max_connections: Some(10),
//!     server_error_share: 0.05,
//!     ..MockOptions::default()
//! })
//! .await;
//! mock.faults().on(mailchimp::routes::PUT_MEMBER, Fault::status(503));
//! let provider = mock.provider(); // rapport_mailchimp::MailchimpProvider pointed at the mock
//! // … sync through it …
//! let stats = mock.stats();
//! assert!(stats.max_in_flight <= 10 && stats.refused_over_cap == 0);
//! # let _ = provider;
//! # }
//! ```

pub mod jwks;
pub mod mailchimp;
pub mod ringover;
mod server;

pub use jwks::{JwksMock, TestKey};
pub use mailchimp::MailchimpMock;
pub use ringover::RingoverMock;
pub use server::{
    Fault, FaultScript, Logged, MockApi, MockOptions, MockServer, Request, Response, Stats,
};
