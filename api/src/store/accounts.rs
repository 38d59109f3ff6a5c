use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::account::{
    Account, AccountKind, AccountStatus, NewAccount, RelationshipChange, RelationshipType,
};
use rapport_domain::ids::{AccountId, PartnerId, TeamMemberId};
use rapport_domain::values::Text;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::account_row::{AccountRow, to_domain};
use super::entity::{account, account_domain, relationship_change};
use super::page::fetch_rows;
use super::{AccountSort, Page, PageRequest, Store, StoreError, Tx, scope};
use crate::auth::ReadScope;

/// Which accounts a list shows, within the [`ReadScope`] the read is given: a partner sees only
/// the accounts it referred, whatever else the filter says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountQuery {
    /// Only customers or only clients.
    pub relationship: Option<RelationshipType>,
    /// Only accounts managed by this member.
    pub manager: Option<TeamMemberId>,
    /// Only accounts referred by this partner.
    pub partner: Option<PartnerId>,
    /// Only active or only churned.
    pub status: Option<AccountStatus>,
    /// Only individuals or only organizations.
    pub kind: Option<AccountKind>,
    /// Name contains this text (case-insensitive).
    pub search: Option<String>,
    /// Only children of this account.
    pub parent: Option<AccountId>,
    /// Only clients without an agreement in force (`true`), or only accounts with one
    /// (`false`).
    pub without_agreement_in_force: Option<bool>,
    /// Only accounts with a metric of an agreement in force in one of these statuses now.
    pub compliance: Option<super::filters::ComplianceQuery>,
}

impl AccountQuery {
    pub(crate) fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(r) = self.relationship {
            cond = cond.add(account::Column::Relationship.eq(r.as_str()));
        }
        if let Some(m) = self.manager {
            cond = cond.add(account::Column::AccountManagerId.eq(m.get()));
        }
        if let Some(p) = self.partner {
            cond = cond.add(account::Column::PartnerId.eq(p.get()));
        }
        if let Some(s) = self.status {
            cond = cond.add(account::Column::Status.eq(s.as_str()));
        }
        if let Some(k) = self.kind {
            cond = cond.add(account::Column::Kind.eq(k.as_str()));
        }
        if let Some(text) = self.search.as_deref().filter(|t| !t.trim().is_empty()) {
            cond = cond.add(Expr::col(account::Column::NameKey).like(super::like::contains(text)));
        }
        if let Some(parent) = self.parent {
            cond = cond.add(account::Column::ParentId.eq(parent.get()));
        }
        match self.without_agreement_in_force {
            Some(true) => {
                cond = cond
                    .add(account::Column::Relationship.eq(RelationshipType::Client.as_str()))
                    .add(
                        Expr::col(account::Column::Id)
                            .not_in_subquery(super::agreements::accounts_with_agreement_in_force()),
                    );
            }
            Some(false) => {
                cond = cond.add(
                    Expr::col(account::Column::Id)
                        .in_subquery(super::agreements::accounts_with_agreement_in_force()),
                );
            }
            None => {}
        }
        if let Some(c) = &self.compliance {
            cond = cond.add(c.accounts());
        }
        cond
    }
}

/// The columns of a new account (a customer, active, at version 1).
pub(super) fn new_account_columns(new: &NewAccount, now: DateTime<Utc>) -> account::ActiveModel {
    account::ActiveModel {
        name: Set(new.name.as_str().to_owned()),
        name_key: Set(new.name.as_str().to_lowercase()),
        kind: Set(new.kind.as_str().to_owned()),
        relationship: Set(RelationshipType::Customer.as_str().to_owned()),
        account_manager_id: Set(None),
        parent_id: Set(new.parent.map(AccountId::get)),
        acquisition_channel: Set(new.acquisition_channel.as_str().to_owned()),
        partner_id: Set(new.partner.map(PartnerId::get)),
        created_by_member_id: Set(new.created_by.map(TeamMemberId::get)),
        status: Set(AccountStatus::Active.as_str().to_owned()),
        churned_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

async fn with_domains(
    db: &impl ConnectionTrait,
    rows: Vec<account::Model>,
) -> Result<Vec<Account>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut domains: HashMap<i64, Vec<(String, bool)>> = HashMap::new();
    if !ids.is_empty() {
        for d in account_domain::Entity::find()
            .filter(account_domain::Column::AccountId.is_in(ids))
            .order_by_asc(account_domain::Column::Domain)
            .all(db)
            .await?
        {
            domains
                .entry(d.account_id)
                .or_default()
                .push((d.domain, d.confirmed));
        }
    }
    rows.into_iter()
        .map(|row| {
            let own = domains.remove(&row.id).unwrap_or_default();
            to_domain(row, own)
        })
        .collect()
}

impl Store {
    /// Accounts by id, in no particular order; missing ids and ids outside `scope` are
    /// skipped.
    pub async fn accounts_by_ids(
        &self,
        scope: ReadScope,
        ids: &[AccountId],
    ) -> Result<Vec<Account>, StoreError> {
        let rows = account::Entity::find()
            .filter(account::Column::Id.is_in(ids.iter().map(|id| id.get())))
            .filter(scope::accounts(scope))
            .all(self.reader())
            .await?;
        with_domains(self.reader(), rows).await
    }

    /// One page of accounts matching `query`.
    pub async fn accounts_page(
        &self,
        scope: ReadScope,
        query: &AccountQuery,
        page: &PageRequest<AccountSort>,
    ) -> Result<Page<Account>, StoreError> {
        let select = account::Entity::find()
            .filter(query.condition())
            .filter(scope::accounts(scope));
        // Without domains: GraphQL reads them apart, only when a query asks for them.
        fetch_rows::<AccountRow, _>(self.reader(), select, account::Column::Id, page)
            .await?
            .try_map(|row| to_domain(row, Vec::new()))
    }

    /// How many accounts match `query`.
    pub async fn accounts_count(
        &self,
        scope: ReadScope,
        query: &AccountQuery,
    ) -> Result<u64, StoreError> {
        Ok(account::Entity::find()
            .filter(query.condition())
            .filter(scope::accounts(scope))
            .count(self.reader())
            .await?)
    }

    /// Every relationship change of an account, oldest first.
    pub async fn relationship_history(
        &self,
        scope: ReadScope,
        id: AccountId,
    ) -> Result<Vec<RelationshipChange>, StoreError> {
        Ok(self
            .relationship_histories(scope, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    /// The relationship history of each of these accounts, oldest first, in one query; every
    /// id gets an entry (empty when the account never changed or is outside `scope`).
    pub async fn relationship_histories(
        &self,
        scope: ReadScope,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<RelationshipChange>>, StoreError> {
        let mut out: HashMap<AccountId, Vec<RelationshipChange>> =
            ids.iter().map(|id| (*id, Vec::new())).collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = relationship_change::Entity::find()
            .filter(relationship_change::Column::AccountId.is_in(ids.iter().map(|id| id.get())))
            .filter(scope::by_account(
                scope,
                relationship_change::Column::AccountId,
            ))
            .order_by_asc(relationship_change::Column::Id)
            .all(self.reader())
            .await?;
        for r in rows {
            let bad = |e: rapport_domain::ValidationError| {
                StoreError::corrupt("relationship_changes", r.id, e)
            };
            let change = RelationshipChange {
                from: RelationshipType::parse(&r.from_type).map_err(bad)?,
                to: RelationshipType::parse(&r.to_type).map_err(bad)?,
                reason: Text::reason("reason", &r.reason).map_err(bad)?,
                actor: r.actor.clone(),
                at: r.at,
            };
            out.entry(AccountId::new(r.account_id))
                .or_default()
                .push(change);
        }
        Ok(out)
    }
}

impl Tx {
    /// Inserts a new customer account.
    pub async fn insert_account(
        &self,
        new: &NewAccount,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        let row = new_account_columns(new, now).insert(&self.inner).await?;
        self.replace_domains(row.id, &new.domains).await?;
        to_domain(
            row,
            new.domains
                .iter()
                .map(|d| (d.domain.as_str().to_owned(), d.confirmed))
                .collect(),
        )
    }

    /// Loads an account for change.
    pub async fn load_account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        let Some(row) = account::Entity::find_by_id(id.get())
            .one(&self.inner)
            .await?
        else {
            return Ok(None);
        };
        Ok(with_domains(&self.inner, vec![row]).await?.pop())
    }

    /// Saves a changed account if nobody saved it since `expected_version`; returns it with
    /// its new version.
    pub async fn save_account(
        &self,
        account: Account,
        expected_version: i32,
    ) -> Result<Account, StoreError> {
        let mut parts = account.into_parts();
        let result = account::Entity::update_many()
            .col_expr(account::Column::Name, Expr::value(parts.name.as_str()))
            .col_expr(
                account::Column::NameKey,
                Expr::value(parts.name.as_str().to_lowercase()),
            )
            .col_expr(account::Column::Kind, Expr::value(parts.kind.as_str()))
            .col_expr(
                account::Column::Relationship,
                Expr::value(parts.relationship.as_str()),
            )
            .col_expr(
                account::Column::AccountManagerId,
                Expr::value(parts.account_manager.map(TeamMemberId::get)),
            )
            .col_expr(
                account::Column::ParentId,
                Expr::value(parts.parent.map(AccountId::get)),
            )
            .col_expr(
                account::Column::AcquisitionChannel,
                Expr::value(parts.acquisition_channel.as_str()),
            )
            .col_expr(account::Column::Status, Expr::value(parts.status.as_str()))
            .col_expr(account::Column::ChurnedAt, Expr::value(parts.churned_at))
            .col_expr(account::Column::Version, Expr::value(expected_version + 1))
            .col_expr(account::Column::UpdatedAt, Expr::value(parts.updated_at))
            .filter(account::Column::Id.eq(parts.id.get()))
            .filter(account::Column::Version.eq(expected_version))
            .exec(&self.inner)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        self.replace_domains(parts.id.get(), &parts.domains).await?;
        parts.version = expected_version + 1;
        Account::restore(parts).map_err(|e| StoreError::corrupt("accounts", "saved", e))
    }

    /// Appends to an account's relationship history.
    pub async fn insert_relationship_change(
        &self,
        account: AccountId,
        change: &RelationshipChange,
    ) -> Result<(), StoreError> {
        relationship_change::ActiveModel {
            account_id: Set(account.get()),
            from_type: Set(change.from.as_str().to_owned()),
            to_type: Set(change.to.as_str().to_owned()),
            reason: Set(change.reason.as_str().to_owned()),
            actor: Set(change.actor.clone()),
            at: Set(change.at),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        Ok(())
    }

    /// Whether an account exists.
    pub async fn account_exists(&self, id: AccountId) -> Result<bool, StoreError> {
        Ok(account::Entity::find_by_id(id.get())
            .count(&self.inner)
            .await?
            > 0)
    }
}
