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
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter,
    QueryOrder, QueryResult,
};

use super::entity::{account, account_domain, contact, team_member};
use super::{Store, StoreError, scope};
use crate::auth::ReadScope;

pub(super) const ACCOUNT: &str = "a_";
const MANAGER: &str = "m_";

/// Selects every column of `E` as `<prefix><column>`, as sea-orm's own selects read them.
pub(super) fn columns_of<E: EntityTrait>(q: &mut SelectStatement, prefix: &str) {
    for c in E::Column::iter() {
        q.expr_as(
            c.select_as(Expr::col((E::default(), c))),
            Alias::new(format!("{prefix}{}", c.as_str())),
        );
    }
}

/// Joins the account's manager when `managers`: left, since customers have none.
pub(super) fn join_managers(q: &mut SelectStatement, managers: bool) {
    if managers {
        columns_of::<team_member::Entity>(q, MANAGER);
        q.join(
            JoinType::LeftJoin,
            team_member::Entity,
            Expr::col((team_member::Entity, team_member::Column::Id))
                .equals((account::Entity, account::Column::AccountManagerId)),
        );
    }
}

/// The manager of a joined row, when the row has one.
fn manager_of(row: &QueryResult) -> Result<Option<TeamMember>, StoreError> {
    let id: Option<i64> = row.try_get(MANAGER, team_member::Column::Id.as_str())?;
    if id.is_none() {
        return Ok(None);
    }
    let model = team_member::Model::from_query_result(row, MANAGER)?;
    super::team::to_domain(model).map(Some)
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
    /// account, several accounts a manager. The account's columns are named
    /// `<account_prefix><column>`.
    pub(super) fn push(
        &mut self,
        seen: &mut HashSet<(bool, i64)>,
        row: &QueryResult,
        account_prefix: &str,
        with_manager: bool,
    ) -> Result<(), StoreError> {
        let account_id: i64 = row.try_get(account_prefix, account::Column::Id.as_str())?;
        if !seen.insert((false, account_id)) {
            return Ok(());
        }
        let model = account::Model::from_query_result(row, account_prefix)?;
        self.accounts
            .push(super::accounts::to_domain(model, Vec::new())?);
        if with_manager
            && let Some(m) = manager_of(row)?
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
        // The accounts' columns keep their own names: a prefix would cost every column of
        // every row a formatted name when it is read.
        columns_of::<account::Entity>(&mut q, "");
        q.from(account::Entity)
            .and_where(account::Column::Id.is_in(ids.iter().map(|id| id.get())))
            .cond_where(scope::accounts(scope));
        join_managers(&mut q, managers);
        let mut seen = HashSet::new();
        for row in self.reader().query_all(&q).await? {
            out.push(&mut seen, &row, "", managers)?;
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
        // The contacts' columns keep their own names (see `accounts_with_managers`).
        columns_of::<contact::Entity>(&mut q, "");
        columns_of::<account::Entity>(&mut q, ACCOUNT);
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
            let model = contact::Model::from_query_result(&row, "")?;
            out.contacts.push(super::contacts::to_domain(model)?);
            out.push(&mut seen, &row, ACCOUNT, managers)?;
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
