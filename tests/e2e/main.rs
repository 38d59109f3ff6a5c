//! Rapport end to end, through HTTP. One module per area.

mod accounts;
mod api;
mod auth;
mod bad_input;
mod limits;
mod n_plus_one;
mod permissions;
mod records;
mod running;
mod scheduler;
