//! Account email domains: each named for an account, confirmed or an unconfirmed claim. Only
//! confirmed domains route new contacts, and a domain is confirmed for one account at most
//! (the partial unique index `ux_account_domains_confirmed` backs the check the service makes).

use rapport_domain::account::AccountDomain;
use rapport_domain::ids::AccountId;
use rapport_domain::values::EmailDomain;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::entity::account_domain;
use super::{StoreError, Tx};

impl Tx {
    /// Replaces the domains of an account with `domains`, each with its state.
    pub(super) async fn replace_domains(
        &self,
        account_id: i64,
        domains: &[AccountDomain],
    ) -> Result<(), StoreError> {
        account_domain::Entity::delete_many()
            .filter(account_domain::Column::AccountId.eq(account_id))
            .exec(&self.inner)
            .await?;
        if domains.is_empty() {
            return Ok(());
        }
        account_domain::Entity::insert_many(domains.iter().map(|d| account_domain::ActiveModel {
            domain: Set(d.domain.as_str().to_owned()),
            account_id: Set(account_id),
            confirmed: Set(d.confirmed),
        }))
        .exec(&self.inner)
        .await?;
        Ok(())
    }

    /// The account `domain` is confirmed for, if any: new contacts on it join that account.
    /// Unconfirmed claims never route.
    pub async fn account_for_domain(&self, domain: &str) -> Result<Option<AccountId>, StoreError> {
        Ok(account_domain::Entity::find()
            .filter(account_domain::Column::Domain.eq(domain))
            .filter(account_domain::Column::Confirmed.eq(true))
            .one(&self.inner)
            .await?
            .map(|d| AccountId::new(d.account_id)))
    }

    /// Which of `domains` are confirmed for an account other than `except`, with that
    /// account, in the order of `domains`.
    pub async fn domains_confirmed_elsewhere(
        &self,
        domains: &[EmailDomain],
        except: Option<AccountId>,
    ) -> Result<Vec<(EmailDomain, AccountId)>, StoreError> {
        if domains.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = account_domain::Entity::find()
            .filter(account_domain::Column::Domain.is_in(domains.iter().map(EmailDomain::as_str)))
            .filter(account_domain::Column::Confirmed.eq(true))
            .order_by_asc(account_domain::Column::Domain);
        if let Some(except) = except {
            select = select.filter(account_domain::Column::AccountId.ne(except.get()));
        }
        let rows = select.all(&self.inner).await?;
        Ok(domains
            .iter()
            .filter_map(|d| {
                rows.iter()
                    .find(|r| r.domain == d.as_str())
                    .map(|r| (d.clone(), AccountId::new(r.account_id)))
            })
            .collect())
    }
}

#[cfg(test)]
#[path = "account_domains_tests.rs"]
mod tests;
