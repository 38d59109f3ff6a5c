//! Reads of rows with their to-one relations in one statement: contacts with their accounts,
//! accounts with their managers. A page of items then costs one statement for everything
//! hanging off its items, however many to-one levels the query nests (GraphQL's loaders are
//! fed from these rows, see `graphql::prime`).
//!
//! Accounts read here carry no domains: `account_domains` is read only when a query asks for
//! them ([`Store::account_domains`]).

use std::collections::{HashMap, HashSet};

use rapport_domain::account::{Account, AccountDomain};
use rapport_domain::contact::Contact;
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::team::TeamMember;
use rapport_domain::values::EmailDomain;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult};

use super::account_row::AccountRow;
use super::by_position::{self, ReadRow};
use super::contact_row::ContactRow;
use super::entity::{account, account_domain, contact, team_member};
use super::team_row::TeamRow;
use super::{Store, StoreError, scope};
use crate::auth::ReadScope;

/// Joins the account's manager when `managers`, selecting its columns after those `q` already
/// selects: left, since customers have none.
pub(super) fn join_managers(q: &mut SelectStatement, managers: bool) {
    if managers {
        by_position::select::<TeamRow>(q);
        q.join(
            JoinType::LeftJoin,
            team_member::Entity,
            Expr::col((team_member::Entity, team_member::Column::Id))
                .equals((account::Entity, account::Column::AccountManagerId)),
        );
    }
}

/// The manager of a joined row whose manager columns start at `at`, when the row has one.
fn manager_of(row: &QueryResult, at: usize) -> Result<Option<TeamMember>, StoreError> {
    let id: Option<i64> = row.try_get_by_index(at)?;
    if id.is_none() {
        return Ok(None);
    }
    let (member, _) = TeamRow::read_at(row, at)?;
    super::team_row::to_domain(member).map(Some)
}

/// Rows read with their relations: the items, their accounts, the accounts' managers.
#[derive(Debug, Default)]
pub struct Joined {
    /// Contacts (empty for a read of accounts).
    pub contacts: Vec<Contact>,
    /// Accounts, without their domains.
    pub accounts: Vec<Account>,
    /// The accounts' managers, when asked for and the scope reads staff rows.
    pub managers: Vec<TeamMember>,
}

impl Joined {
    /// Takes the account (and manager) of a row, once each: several contacts share an
    /// account, several accounts a manager. The account's columns start at `at` (as
    /// [`by_position::select`] puts them), the manager's follow.
    pub(super) fn push(
        &mut self,
        seen: &mut HashSet<(bool, i64)>,
        row: &QueryResult,
        at: usize,
        with_manager: bool,
    ) -> Result<(), StoreError> {
        let account_id: i64 = row.try_get_by_index(at)?;
        if !seen.insert((false, account_id)) {
            return Ok(());
        }
        let (account, next) = AccountRow::read_at(row, at)?;
        self.accounts
            .push(super::account_row::to_domain(account, Vec::new())?);
        if with_manager
            && let Some(m) = manager_of(row, next)?
            && seen.insert((true, m.id.get()))
        {
            self.managers.push(m);
        }
        Ok(())
    }
}

impl Store {
    /// Accounts by id with (when `managers`) their managers, in one statement; ids missing or
    /// outside `scope` are skipped, and managers are read only when `scope` reads staff rows.
    /// The accounts carry no domains.
    pub async fn accounts_with_managers(
        &self,
        scope: ReadScope,
        ids: &[AccountId],
        managers: bool,
    ) -> Result<Joined, StoreError> {
        let mut out = Joined::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let managers = managers && scope::reads_staff_rows(scope);
        let mut q = Query::select();
        by_position::select::<AccountRow>(&mut q);
        q.from(account::Entity)
            .and_where(account::Column::Id.is_in(ids.iter().map(|id| id.get())))
            .cond_where(scope::accounts(scope));
        join_managers(&mut q, managers);
        let mut seen = HashSet::new();
        for row in self.reader().query_all(&q).await? {
            out.push(&mut seen, &row, 0, managers)?;
        }
        Ok(out)
    }

    /// Contacts by id with their accounts and (when `managers`) the accounts' managers, in one
    /// statement; ids missing or outside `scope` are skipped, and managers are read only when
    /// `scope` reads staff rows. The accounts carry no domains.
    pub async fn contacts_with_accounts(
        &self,
        scope: ReadScope,
        ids: &[ContactId],
        managers: bool,
    ) -> Result<Joined, StoreError> {
        let mut out = Joined::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let managers = managers && scope::reads_staff_rows(scope);
        let mut q = Query::select();
        by_position::select::<ContactRow>(&mut q);
        by_position::select::<AccountRow>(&mut q);
        q.from(contact::Entity)
            .join(
                JoinType::InnerJoin,
                account::Entity,
                Expr::col((account::Entity, account::Column::Id))
                    .equals((contact::Entity, contact::Column::AccountId)),
            )
            .and_where(contact::Column::Id.is_in(ids.iter().map(|id| id.get())))
            // A contact is in scope when its account is.
            .cond_where(scope::accounts(scope));
        join_managers(&mut q, managers);
        let mut seen = HashSet::new();
        for row in self.reader().query_all(&q).await? {
            let (contact, next) = ContactRow::read_at(&row, 0)?;
            out.contacts.push(contact.into_domain()?);
            out.push(&mut seen, &row, next, managers)?;
        }
        Ok(out)
    }

    /// The domains of these accounts, each account's in domain order; accounts outside
    /// `scope` have none.
    pub async fn account_domains(
        &self,
        scope: ReadScope,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<AccountDomain>>, StoreError> {
        let mut out: HashMap<AccountId, Vec<AccountDomain>> =
            ids.iter().map(|id| (*id, Vec::new())).collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = account_domain::Entity::find()
            .filter(account_domain::Column::AccountId.is_in(ids.iter().map(|id| id.get())))
            .filter(scope::by_account(scope, account_domain::Column::AccountId))
            .order_by_asc(account_domain::Column::Domain)
            .all(self.reader())
            .await?;
        for row in rows {
            let domain = EmailDomain::parse(&row.domain).map_err(|e| {
                StoreError::corrupt("account_domains", row.account_id, format!("domain: {e}"))
            })?;
            out.entry(AccountId::new(row.account_id))
                .or_default()
                .push(AccountDomain {
                    domain,
                    confirmed: row.confirmed,
                });
        }
        Ok(out)
    }
}
