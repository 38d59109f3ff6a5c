#![doc = include_str!("../README.md")]

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_agreements;
mod m20261122_000003_contact_sync;
mod m20261122_000004_interactions;
mod m20261122_000005_resyncs;
mod m20261122_000006_sent_consent;
mod m20261122_000007_contact_phones;
mod m20261207_000008_domain_claims;
mod m20261207_000009_sort_indexes;
mod m20261207_000010_filter_indexes;
mod m20261208_000011_events;
mod m20261208_000013_webhook_redelivery;
mod m20261209_000014_list_counts;
mod m20261209_000017_auth_changes;
mod m20261210_000018_service_accounts;
mod m20261210_000020_external_ids;
mod m20261210_000022_relay_indexes;
mod m20261211_000023_issued_tokens;
mod m20261211_000024_import_jobs;
mod m20261212_000025_one_audit_time_index;

/// Every migration step of Rapport, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_agreements::Migration),
            Box::new(m20261122_000003_contact_sync::Migration),
            Box::new(m20261122_000004_interactions::Migration),
            Box::new(m20261122_000005_resyncs::Migration),
            Box::new(m20261122_000006_sent_consent::Migration),
            Box::new(m20261122_000007_contact_phones::Migration),
            Box::new(m20261207_000008_domain_claims::Migration),
            Box::new(m20261207_000009_sort_indexes::Migration),
            Box::new(m20261207_000010_filter_indexes::Migration),
            Box::new(m20261208_000011_events::Migration),
            Box::new(m20261208_000013_webhook_redelivery::Migration),
            Box::new(m20261209_000014_list_counts::Migration),
            Box::new(m20261209_000017_auth_changes::Migration),
            Box::new(m20261210_000018_service_accounts::Migration),
            Box::new(m20261210_000020_external_ids::Migration),
            Box::new(m20261210_000022_relay_indexes::Migration),
            Box::new(m20261211_000023_issued_tokens::Migration),
            Box::new(m20261211_000024_import_jobs::Migration),
            Box::new(m20261212_000025_one_audit_time_index::Migration),
        ]
    }
}
