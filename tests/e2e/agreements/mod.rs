//! Formal agreements through GraphQL: drafting, submission, four-eyes approval, amendments
//! with compliance judged by the revision in force, the demotion rule, termination, reviews,
//! permissions, concurrency and statement counts.

mod amendments;
mod common;
mod concurrency;
mod endings;
mod lifecycle;
mod partner_and_viewer;
mod staff_roles;
mod statement_costs;
