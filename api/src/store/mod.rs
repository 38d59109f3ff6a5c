//! Persistence: the only module that names `sea_orm`. Everything above it sees domain values,
//! the store's read models, and [`StoreError`].

mod account_domains;
mod account_row;
mod accounts;
mod agreement_sort;
mod agreements;
mod agreements_joined;
mod audit;
mod auth_changes;
mod backup;
mod bulk_insert;
mod by_position;
mod connect;
mod contact_row;
mod contacts;
mod counts;
mod deferred;
mod demo_rows;
pub(crate) mod entity;
mod error;
mod event_reads;
mod export;
mod filters;
mod gate;
mod import;
mod import_batch;
#[cfg(test)]
mod import_batch_tests;
mod import_job_progress;
mod import_job_reads;
mod import_jobs;
mod interactions;
mod issued_tokens;
mod joined;
mod key_list;
mod last_used;
mod lease;
mod like;
mod measurements;
mod notifications;
mod observe;
mod outbox;
mod page;
mod partners;
mod pg_tls;
mod plans;
mod relay;
mod resync;
mod scheduler_lock;
mod schema_check;
mod scope;
mod sections_json;
mod service_accounts;
mod sort;
mod statistics;
mod subscription_feed;
mod sync;
mod sync_overview;
mod tally;
mod team;
mod team_row;
mod tokens;
mod tx;
mod webhook_deliveries;
mod webhook_endpoints;
mod webhook_inspect;
mod webhook_log;
mod webhooks;

pub use accounts::AccountQuery;
pub use audit::{AuditEntry, AuditQuery, AuditRecord, OutboxRecord};
pub use backup::{SqliteFileCheck, check_sqlite_file};
#[cfg(test)]
pub(crate) use connect::test_database_url;
pub use connect::{Store, StoreSettings, create_postgres_database};
pub(crate) use contact_row::PhoneJson;
pub use contacts::ContactQuery;
pub use counts::Counting;
pub use error::StoreError;
pub use event_reads::PeriodCredit;
pub use export::{
    AccountExportRow, AgreementExportRow, ContactExportRow, CreditExportRow, MeasurementExportRow,
};
pub use filters::{AgreementQuery, ComplianceQuery, CreditQuery, DateWindow};
pub use import_batch::{NewAccountRow, NewContactRow};
pub use import_jobs::{
    FIRST_ERRORS, ImportChunk, ImportJobError, ImportJobRow, NewImportJob, job_state,
};
pub use interactions::{
    Interaction, InteractionPage, InteractionQuery, InteractionSort, NewInteraction,
};
pub use issued_tokens::{PartnerToken, TOKEN_LIST_LIMIT};
pub use joined::Joined;
pub use measurements::{Recorded, StoredCredit};
pub use notifications::{
    InboxAccount, InboxEndpoint, InboxMember, NewNotification, StoredNotification,
};
pub use observe::{AcquireObserver, Backlog, PoolStats};
pub use page::{
    KeyValue, Keyset, NoSort, Page, PageRequest, SortField, Sorted, check_keyset, signature,
};
pub use plans::RecordedStatement;
pub use relay::Pruned;
pub use resync::{BulkSynced, ResyncPage, ResyncRow};
pub use scheduler_lock::SchedulerLock;
pub use schema_check::SchemaState;
pub use service_accounts::{
    ApiKey, KEY_LIST_LIMIT, KeyCredential, NewApiKey, NewServiceAccount, ServiceAccount,
};
pub use sort::{
    AccountSort, AgreementSort, AuditSort, ContactSort, CreditSort, PartnerSort, SyncJobSort,
    TeamSort, WebhookDeliverySort, WebhookEndpointSort,
};
pub use statistics::{Grown, GrowthWatch};
pub use subscription_feed::NotificationRecord;
pub use sync::{FailedSync, SyncDelivered, SyncJobRow, SyncStateRow};
pub use sync_overview::ProviderPauseRow;
pub use tally::{StatementTally, spawn_counted};
pub use team::{NewTeamMember, TeamQuery};
pub use tx::Tx;
pub use webhook_deliveries::{
    NewAttempt, NewDelivery, NewWebhookEndpoint, WebhookAttemptRow, WebhookDeliveryRow,
    WebhookEndpointRow, delivery_state,
};
pub use webhook_endpoints::{EndpointEdit, EndpointInsert, EndpointRecord, signing_secrets};
pub use webhook_log::{AttemptRecord, DeliveryRecord};
