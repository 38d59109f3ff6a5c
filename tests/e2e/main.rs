//! Rapport end to end, through HTTP. One module per area.

mod account_rules;
mod accounts;
mod agreements;
mod api;
mod auth;
mod backfill;
mod bad_input;
mod claims;
mod coercion;
mod domain_routing;
mod edge;
mod edge_process;
mod faults;
mod filters;
mod introspection;
mod limits;
mod measurements;
mod n_plus_one;
mod partner_scope;
mod permissions;
mod query_guard;
mod records;
mod running;
mod scheduler;
mod sync;
mod webhooks;
