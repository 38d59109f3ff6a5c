//! Machine credentials: service accounts (a role, for a partner its partner, and scopes) and
//! their API keys (stored as a keyed hash of the secret, never the secret; a public lookup id
//! finds the row). Key and account changes that decide who a caller is (a new key, a
//! revocation, an expiry moved by a rotation, a deactivation) are announced to every server
//! process like changes to team members and partners (see `m20261209_000017_auth_changes`);
//! recording a key's last use is not (it would clear every process's cache once a minute).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ServiceAccounts {
    Table,
    Id,
    Name,
    Role,
    PartnerId,
    Scopes,
    Active,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    ServiceAccountId,
    Lookup,
    SecretHash,
    CreatedAt,
    CreatedBy,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    RevokedBy,
    ReplacedBy,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

/// The columns whose change decides who a caller is, per table.
const WATCHED: &[(&str, &str)] = &[
    ("service_accounts", "role, partner_id, scopes, active"),
    ("api_keys", "secret_hash, expires_at, revoked_at"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ServiceAccounts::Table)
                .col(big_pk_auto(ServiceAccounts::Id))
                .col(string_len(ServiceAccounts::Name, 200))
                .col(string_len(ServiceAccounts::Role, 32))
                .col(big_integer_null(ServiceAccounts::PartnerId))
                .col(string_len(ServiceAccounts::Scopes, 200))
                .col(boolean(ServiceAccounts::Active))
                .col(timestamp_with_time_zone(ServiceAccounts::CreatedAt))
                .col(string_len(ServiceAccounts::CreatedBy, 200))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_service_accounts_partner")
                        .from(ServiceAccounts::Table, ServiceAccounts::PartnerId)
                        .to(Partners::Table, Partners::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_service_accounts_partner")
                .table(ServiceAccounts::Table)
                .col(ServiceAccounts::PartnerId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(big_pk_auto(ApiKeys::Id))
                .col(big_integer(ApiKeys::ServiceAccountId))
                .col(string_len(ApiKeys::Lookup, 32).unique_key())
                .col(string_len(ApiKeys::SecretHash, 64))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(string_len(ApiKeys::CreatedBy, 200))
                .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .col(string_len_null(ApiKeys::RevokedBy, 200))
                .col(big_integer_null(ApiKeys::ReplacedBy))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_keys_service_account")
                        .from(ApiKeys::Table, ApiKeys::ServiceAccountId)
                        .to(ServiceAccounts::Table, ServiceAccounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_keys_service_account")
                .table(ApiKeys::Table)
                .col(ApiKeys::ServiceAccountId)
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for (table, columns) in WATCHED {
            match db.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_auth_changed \
                         AFTER INSERT OR UPDATE OF {columns} OR DELETE OR TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION rapport_auth_changed()"
                    ))
                    .await?;
                }
                _ => {
                    for (name, event) in [
                        ("insert", "INSERT".to_owned()),
                        ("update", format!("UPDATE OF {columns}")),
                        ("delete", "DELETE".to_owned()),
                    ] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_auth_{name} AFTER {event} ON {table} \
                             BEGIN UPDATE auth_changes SET version = version + 1 WHERE id = 1; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ServiceAccounts::Table).to_owned())
            .await
    }
}
