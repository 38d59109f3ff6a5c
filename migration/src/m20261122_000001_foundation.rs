//! The foundation: team, partners, accounts and their relationship history, contacts, the audit
//! log, the outbox and revoked tokens.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    Id,
    Subject,
    Name,
    Email,
    EmailKey,
    Role,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Name,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Name,
    NameKey,
    Kind,
    Relationship,
    AccountManagerId,
    ParentId,
    AcquisitionChannel,
    PartnerId,
    Status,
    ChurnedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccountDomains {
    Table,
    Domain,
    AccountId,
}

#[derive(DeriveIden)]
enum RelationshipChanges {
    Table,
    Id,
    AccountId,
    FromType,
    ToType,
    Reason,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    AccountId,
    FirstName,
    LastName,
    Email,
    EmailKey,
    Phones,
    JobRole,
    EmailConsent,
    Tags,
    CustomFields,
    SearchText,
    ErasedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContactTags {
    Table,
    ContactId,
    TagKey,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    EntityType,
    EntityId,
    Before,
    After,
    RequestId,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    At,
    EventType,
    EntityType,
    EntityId,
    Payload,
    PublishedAt,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    TokenId,
    RevokedAt,
    RevokedBy,
    ExpiresAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone_null(col)
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut idx = Index::create().name(name).table(table).to_owned();
    for col in cols {
        idx.col(Alias::new(*col));
    }
    idx
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TeamMembers::Table)
                .col(big_pk_auto(TeamMembers::Id))
                .col(string_len_uniq(TeamMembers::Subject, 200))
                .col(string_len(TeamMembers::Name, 200))
                .col(string_len(TeamMembers::Email, 254))
                .col(string_len_uniq(TeamMembers::EmailKey, 254))
                .col(string_len(TeamMembers::Role, 32))
                .col(boolean(TeamMembers::Active))
                .col(integer(TeamMembers::Version))
                .col(ts(TeamMembers::CreatedAt))
                .col(ts(TeamMembers::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Partners::Table)
                .col(big_pk_auto(Partners::Id))
                .col(string_len(Partners::Name, 200))
                .col(boolean(Partners::Active))
                .col(integer(Partners::Version))
                .col(ts(Partners::CreatedAt))
                .col(ts(Partners::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Accounts::Table)
                .col(big_pk_auto(Accounts::Id))
                .col(string_len(Accounts::Name, 200))
                .col(string_len(Accounts::NameKey, 200))
                .col(string_len(Accounts::Kind, 32))
                .col(string_len(Accounts::Relationship, 32))
                .col(big_integer_null(Accounts::AccountManagerId))
                .col(big_integer_null(Accounts::ParentId))
                .col(string_len(Accounts::AcquisitionChannel, 32))
                .col(big_integer_null(Accounts::PartnerId))
                .col(string_len(Accounts::Status, 32))
                .col(ts_null(Accounts::ChurnedAt))
                .col(integer(Accounts::Version))
                .col(ts(Accounts::CreatedAt))
                .col(ts(Accounts::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_accounts_manager",
                    (Accounts::Table, Accounts::AccountManagerId),
                    (TeamMembers::Table, TeamMembers::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_accounts_parent",
                    (Accounts::Table, Accounts::ParentId),
                    (Accounts::Table, Accounts::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_accounts_partner",
                    (Accounts::Table, Accounts::PartnerId),
                    (Partners::Table, Partners::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_accounts_manager", &["account_manager_id", "id"][..]),
            ("idx_accounts_partner", &["partner_id", "id"]),
            ("idx_accounts_parent", &["parent_id", "id"]),
            ("idx_accounts_relationship", &["relationship", "id"]),
        ] {
            m.create_index(index(name, Accounts::Table, cols)).await?;
        }

        m.create_table(
            Table::create()
                .table(AccountDomains::Table)
                .col(string_len(AccountDomains::Domain, 253).primary_key())
                .col(big_integer(AccountDomains::AccountId))
                .foreign_key(&mut fk(
                    "fk_account_domains_account",
                    (AccountDomains::Table, AccountDomains::AccountId),
                    (Accounts::Table, Accounts::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_account_domains_account",
            AccountDomains::Table,
            &["account_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(RelationshipChanges::Table)
                .col(big_pk_auto(RelationshipChanges::Id))
                .col(big_integer(RelationshipChanges::AccountId))
                .col(string_len(RelationshipChanges::FromType, 32))
                .col(string_len(RelationshipChanges::ToType, 32))
                .col(text(RelationshipChanges::Reason))
                .col(string_len(RelationshipChanges::Actor, 200))
                .col(ts(RelationshipChanges::At))
                .foreign_key(&mut fk(
                    "fk_relationship_changes_account",
                    (RelationshipChanges::Table, RelationshipChanges::AccountId),
                    (Accounts::Table, Accounts::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_relationship_changes_account",
            RelationshipChanges::Table,
            &["account_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Contacts::Table)
                .col(big_pk_auto(Contacts::Id))
                .col(big_integer(Contacts::AccountId))
                .col(string_len_null(Contacts::FirstName, 200))
                .col(string_len_null(Contacts::LastName, 200))
                .col(string_len_null(Contacts::Email, 254))
                .col(string_len_null(Contacts::EmailKey, 254).unique_key())
                .col(text(Contacts::Phones))
                .col(string_len_null(Contacts::JobRole, 200))
                .col(string_len(Contacts::EmailConsent, 32))
                .col(text(Contacts::Tags))
                .col(text(Contacts::CustomFields))
                .col(text(Contacts::SearchText))
                .col(ts_null(Contacts::ErasedAt))
                .col(integer(Contacts::Version))
                .col(ts(Contacts::CreatedAt))
                .col(ts(Contacts::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_contacts_account",
                    (Contacts::Table, Contacts::AccountId),
                    (Accounts::Table, Accounts::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_contacts_account",
            Contacts::Table,
            &["account_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ContactTags::Table)
                .col(big_integer(ContactTags::ContactId))
                .col(string_len(ContactTags::TagKey, 50))
                .primary_key(
                    Index::create()
                        .col(ContactTags::ContactId)
                        .col(ContactTags::TagKey),
                )
                .foreign_key(&mut fk(
                    "fk_contact_tags_contact",
                    (ContactTags::Table, ContactTags::ContactId),
                    (Contacts::Table, Contacts::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_contact_tags_tag",
            ContactTags::Table,
            &["tag_key", "contact_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(ts(AuditLog::At))
                .col(string_len(AuditLog::Actor, 200))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::EntityType, 64))
                .col(string_len(AuditLog::EntityId, 64))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .col(string_len(AuditLog::RequestId, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_audit_log_entity",
            AuditLog::Table,
            &["entity_type", "entity_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(big_pk_auto(Outbox::Id))
                .col(ts(Outbox::At))
                .col(string_len(Outbox::EventType, 64))
                .col(string_len(Outbox::EntityType, 64))
                .col(string_len(Outbox::EntityId, 64))
                .col(text(Outbox::Payload))
                .col(ts_null(Outbox::PublishedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_outbox_unpublished",
            Outbox::Table,
            &["published_at", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(RevokedTokens::Table)
                .col(string_len(RevokedTokens::TokenId, 64).primary_key())
                .col(ts(RevokedTokens::RevokedAt))
                .col(string_len(RevokedTokens::RevokedBy, 200))
                .col(ts_null(RevokedTokens::ExpiresAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RevokedTokens::Table.into_iden(),
            Outbox::Table.into_iden(),
            AuditLog::Table.into_iden(),
            ContactTags::Table.into_iden(),
            Contacts::Table.into_iden(),
            RelationshipChanges::Table.into_iden(),
            AccountDomains::Table.into_iden(),
            Accounts::Table.into_iden(),
            Partners::Table.into_iden(),
            TeamMembers::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
