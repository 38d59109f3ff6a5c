//! Table rows. These never leave the store: the rest of the API sees domain values or the
//! store's own read models.

pub mod account;
pub mod account_domain;
pub mod agreement;
pub mod agreement_revision;
pub mod api_key;
pub mod audit_log;
pub mod contact;
pub mod contact_phone;
pub mod contact_tag;
pub mod import_job;
pub mod import_job_contact;
pub mod import_job_error;
pub mod import_job_file;
pub mod interaction;
pub mod issued_token;
pub mod measurement;
pub mod metric_compliance;
pub mod notification;
pub mod outbox;
pub mod partner;
pub mod provider_pause;
pub mod relationship_change;
pub mod revoked_token;
pub mod service_account;
pub mod service_credit;
pub mod sync_job;
pub mod sync_resync;
pub mod sync_state;
pub mod team_member;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod webhook_receipt;
