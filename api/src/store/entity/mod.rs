//! Table rows. These never leave the store: the rest of the API sees domain values or the
//! store's own read models.

pub mod account;
pub mod account_domain;
pub mod audit_log;
pub mod contact;
pub mod contact_tag;
pub mod outbox;
pub mod partner;
pub mod relationship_change;
pub mod revoked_token;
pub mod team_member;
