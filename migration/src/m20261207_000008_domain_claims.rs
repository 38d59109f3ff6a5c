//! Domain routing becomes staff-owned, and accounts remember which member of staff created them.
//!
//! `account_domains` is rebuilt with a `confirmed` flag and the key `(domain, account_id)`: a
//! domain may now be named by several accounts, but confirmed for at most one (a partial unique
//! index on `domain WHERE confirmed`, on both databases). Only confirmed domains route new
//! contacts; a partner's claim stays unconfirmed until an admin or the account's manager
//! confirms it.
//!
//! Existing domains: those of accounts **without** a referring partner stay confirmed, since
//! only staff could create or edit such accounts. Those of accounts **with** a referring partner
//! become unconfirmed claims, because the partner may have named them and the old rows cannot
//! tell who did: the audit log records the token's subject, and a partner token's subject was
//! not tied to the partner, so it could read like a member of staff. Staff confirm the ones
//! they trust with `confirmAccountDomains`; until then those domains stop routing contacts,
//! which is the safe side of the mistake.
//!
//! `accounts.created_by_member_id` is the member of staff who created the account (an account
//! manager may add the first contacts to, and become manager of, an account it created while
//! nobody manages it). It is filled from the audit log's `createAccount` rows for accounts
//! without a referring partner only, for the same reason: for a partner-referred account the
//! actor of the old row may have been a partner whose token named a staff subject. Where it
//! stays empty, an admin assigns the manager as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccountDomains {
    Table,
    Domain,
    AccountId,
    Confirmed,
}

#[derive(DeriveIden)]
enum AccountDomainsNext {
    Table,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    CreatedByMemberId,
}

const CONFIRMED_UNIQUE: &str = "ux_account_domains_confirmed";
const BY_ACCOUNT: &str = "idx_account_domains_account";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AccountDomainsNext::Table)
                .col(string_len(AccountDomains::Domain, 253))
                .col(big_integer(AccountDomains::AccountId))
                .col(boolean(AccountDomains::Confirmed))
                .primary_key(
                    Index::create()
                        .col(AccountDomains::Domain)
                        .col(AccountDomains::AccountId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_account_domain_claims_account")
                        .from(AccountDomainsNext::Table, AccountDomains::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO account_domains_next (domain, account_id, confirmed) \
             SELECT d.domain, d.account_id, CASE WHEN a.partner_id IS NULL THEN TRUE ELSE FALSE END \
             FROM account_domains d JOIN accounts a ON a.id = d.account_id",
        )
        .await?;
        m.drop_table(Table::drop().table(AccountDomains::Table).to_owned())
            .await?;
        m.rename_table(
            Table::rename()
                .table(AccountDomainsNext::Table, AccountDomains::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(BY_ACCOUNT)
                .table(AccountDomains::Table)
                .col(AccountDomains::AccountId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(CONFIRMED_UNIQUE)
                .table(AccountDomains::Table)
                .col(AccountDomains::Domain)
                .unique()
                .and_where(Expr::col(AccountDomains::Confirmed).eq(true))
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(Accounts::Table)
                .add_column(big_integer_null(Accounts::CreatedByMemberId))
                .to_owned(),
        )
        .await?;
        db.execute_unprepared(
            "UPDATE accounts SET created_by_member_id = ( \
               SELECT t.id FROM audit_log l JOIN team_members t ON t.subject = l.actor \
               WHERE l.action = 'createAccount' AND l.entity_type = 'Account' \
                 AND l.entity_id = CAST(accounts.id AS TEXT) \
               ORDER BY l.id LIMIT 1) \
             WHERE partner_id IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Accounts::Table)
                .drop_column(Accounts::CreatedByMemberId)
                .to_owned(),
        )
        .await?;
        // Back to one account per domain: only confirmed domains survive.
        m.create_table(
            Table::create()
                .table(AccountDomainsNext::Table)
                .col(string_len(AccountDomains::Domain, 253).primary_key())
                .col(big_integer(AccountDomains::AccountId))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_account_domains_account")
                        .from(AccountDomainsNext::Table, AccountDomains::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO account_domains_next (domain, account_id) \
                 SELECT domain, account_id FROM account_domains WHERE confirmed = TRUE",
            )
            .await?;
        m.drop_table(Table::drop().table(AccountDomains::Table).to_owned())
            .await?;
        m.rename_table(
            Table::rename()
                .table(AccountDomainsNext::Table, AccountDomains::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(BY_ACCOUNT)
                .table(AccountDomains::Table)
                .col(AccountDomains::AccountId)
                .to_owned(),
        )
        .await
    }
}
