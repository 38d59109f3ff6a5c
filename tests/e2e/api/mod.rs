//! The GraphQL API surface: connections, filters, optimistic concurrency, error hygiene, the
//! SDL and GraphQL over HTTP.

mod common;
mod filters;
mod over_http;
mod pagination;
mod versions_and_failures;
