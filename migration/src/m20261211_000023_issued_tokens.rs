//! The register of issued partner tokens, and revocations that take effect later.
//!
//! - `issued_tokens`: one row per partner token Rapport mints (`issuePartnerToken`, a
//!   partner's own issue, a rotation): its id (`jti`), partner, who issued it, when, when it
//!   expires, its last use (to within a minute), its revocation and its replacement. Never the
//!   token itself. Tokens minted before this register existed have no row: they still verify
//!   (verification never needs the register), they are only not listed.
//! - `revoked_tokens.effective_at`: when a revocation takes effect; empty means at
//!   `revoked_at`. A rotation revokes the old token with the end of its grace period here.
//!   The table's triggers (`m20261209_000017_auth_changes`) announce these rows like any
//!   revocation; the register itself decides nothing about who a caller is and is not
//!   watched (recording a last use must not clear every process's cache).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IssuedTokens {
    Table,
    TokenId,
    PartnerId,
    IssuedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    RevokedBy,
    ReplacedBy,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    EffectiveAt,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IssuedTokens::Table)
                .col(string_len(IssuedTokens::TokenId, 64).primary_key())
                .col(big_integer(IssuedTokens::PartnerId))
                .col(string_len(IssuedTokens::IssuedBy, 200))
                .col(timestamp_with_time_zone(IssuedTokens::CreatedAt))
                .col(timestamp_with_time_zone(IssuedTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(IssuedTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(IssuedTokens::RevokedAt))
                .col(string_len_null(IssuedTokens::RevokedBy, 200))
                .col(string_len_null(IssuedTokens::ReplacedBy, 64))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_issued_tokens_partner")
                        .from(IssuedTokens::Table, IssuedTokens::PartnerId)
                        .to(Partners::Table, Partners::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_issued_tokens_partner_created")
                .table(IssuedTokens::Table)
                .col(IssuedTokens::PartnerId)
                .col(IssuedTokens::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_issued_tokens_created")
                .table(IssuedTokens::Table)
                .col(IssuedTokens::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RevokedTokens::Table)
                .add_column(timestamp_with_time_zone_null(RevokedTokens::EffectiveAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RevokedTokens::Table)
                .drop_column(RevokedTokens::EffectiveAt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(IssuedTokens::Table).to_owned())
            .await
    }
}
