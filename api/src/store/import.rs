//! Reads and writes of imports: finding existing records by their external id, by email (for
//! contacts) or by domain (for accounts), setting the external id of a record, and savepoints so
//! a row that fails leaves nothing behind while the rows around it are kept.

use std::collections::HashMap;

use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::values::ExternalRef;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::entity::{account, account_domain, contact};
use super::{StoreError, Tx, key_list};

/// The external id stored in two columns: both set, or neither.
pub(super) fn external(
    source: Option<String>,
    id: Option<String>,
) -> Result<Option<ExternalRef>, rapport_domain::ValidationError> {
    match (source, id) {
        (Some(source), Some(id)) => ExternalRef::parse(&source, &id).map(Some),
        (None, None) => Ok(None),
        _ => Err(rapport_domain::ValidationError::new(
            "externalId",
            "external_source and external_id must be both set or both empty",
        )),
    }
}

/// Rows per `IN (…)` list: well within both databases' limits on bound values.
pub(super) const LOOKUP_CHUNK: usize = 500;

fn by_source(refs: &[ExternalRef]) -> HashMap<&str, Vec<&str>> {
    let mut grouped: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in refs {
        grouped.entry(r.source()).or_default().push(r.id());
    }
    grouped
}

impl Tx {
    /// A savepoint inside this transaction: releasing it ([`Tx::release`]) keeps its writes
    /// in the enclosing transaction; dropping it undoes them and nothing else.
    pub async fn savepoint(&self) -> Result<Tx, StoreError> {
        Ok(Tx::new(self.inner.begin().await?).defers_like(self))
    }

    /// The contacts (live or erased) with these row ids, by id.
    pub async fn contacts_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Contact>, StoreError> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            for row in contact::Entity::find()
                .filter(key_list::any_of(self.backend(), contact::Column::Id, chunk))
                .all(&self.inner)
                .await?
            {
                found.insert(row.id, super::contact_row::to_domain(row)?);
            }
        }
        Ok(found)
    }

    /// When the accounts with these row ids were created, by id.
    pub async fn accounts_created_at(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, chrono::DateTime<chrono::Utc>>, StoreError> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            for row in account::Entity::find()
                .filter(key_list::any_of(self.backend(), account::Column::Id, chunk))
                .all(&self.inner)
                .await?
            {
                found.insert(row.id, row.created_at);
            }
        }
        Ok(found)
    }

    /// The contacts (live or erased) that carry one of these external ids.
    pub async fn contacts_by_external(
        &self,
        refs: &[ExternalRef],
    ) -> Result<HashMap<ExternalRef, Contact>, StoreError> {
        let mut found = HashMap::new();
        for (source, ids) in by_source(refs) {
            for chunk in ids.chunks(LOOKUP_CHUNK) {
                let rows = contact::Entity::find()
                    .filter(contact::Column::ExternalSource.eq(source))
                    .filter(key_list::any_of(
                        self.backend(),
                        contact::Column::ExternalId,
                        chunk,
                    ))
                    .all(&self.inner)
                    .await?;
                for row in rows {
                    let contact = super::contact_row::to_domain(row)?;
                    if let Some(r) = contact.parts().external.clone() {
                        found.insert(r, contact);
                    }
                }
            }
        }
        Ok(found)
    }

    /// The live contacts whose lowercased address is one of `keys`, by that key.
    pub async fn live_contacts_by_email_keys(
        &self,
        keys: &[String],
    ) -> Result<HashMap<String, Contact>, StoreError> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(LOOKUP_CHUNK) {
            let rows = contact::Entity::find()
                .filter(key_list::any_of(
                    self.backend(),
                    contact::Column::EmailKey,
                    chunk,
                ))
                .filter(contact::Column::ErasedAt.is_null())
                .all(&self.inner)
                .await?;
            for row in rows {
                if let Some(key) = row.email_key.clone() {
                    found.insert(key, super::contact_row::to_domain(row)?);
                }
            }
        }
        Ok(found)
    }

    /// The accounts that carry one of these external ids.
    pub async fn accounts_by_external(
        &self,
        refs: &[ExternalRef],
    ) -> Result<HashMap<ExternalRef, AccountId>, StoreError> {
        let mut found = HashMap::new();
        for (source, ids) in by_source(refs) {
            for chunk in ids.chunks(LOOKUP_CHUNK) {
                let rows = account::Entity::find()
                    .filter(account::Column::ExternalSource.eq(source))
                    .filter(key_list::any_of(
                        self.backend(),
                        account::Column::ExternalId,
                        chunk,
                    ))
                    .all(&self.inner)
                    .await?;
                for row in rows {
                    if let (Some(s), Some(i)) = (&row.external_source, &row.external_id) {
                        let r = ExternalRef::parse(s, i)
                            .map_err(|e| StoreError::corrupt("accounts", row.id, e))?;
                        found.insert(r, AccountId::new(row.id));
                    }
                }
            }
        }
        Ok(found)
    }

    /// Every account named for each of these domains (confirmed or claimed), oldest first: more
    /// than one means the domain cannot tell them apart.
    pub async fn accounts_by_domains(
        &self,
        domains: &[String],
    ) -> Result<HashMap<String, Vec<AccountId>>, StoreError> {
        let mut found: HashMap<String, Vec<AccountId>> = HashMap::new();
        for chunk in domains.chunks(LOOKUP_CHUNK) {
            let rows = account_domain::Entity::find()
                .filter(key_list::any_of(
                    self.backend(),
                    account_domain::Column::Domain,
                    chunk,
                ))
                .order_by_asc(account_domain::Column::AccountId)
                .all(&self.inner)
                .await?;
            for row in rows {
                found
                    .entry(row.domain)
                    .or_default()
                    .push(AccountId::new(row.account_id));
            }
        }
        Ok(found)
    }

    /// Loads accounts for change, by id.
    pub async fn load_accounts(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Account>, StoreError> {
        let mut found = HashMap::new();
        for id in ids {
            if let Some(a) = self.load_account(*id).await? {
                found.insert(*id, a);
            }
        }
        Ok(found)
    }

    /// Sets (or clears) the external id of a contact.
    pub async fn set_contact_external(
        &self,
        id: ContactId,
        external: Option<&ExternalRef>,
    ) -> Result<(), StoreError> {
        contact::Entity::update_many()
            .col_expr(
                contact::Column::ExternalSource,
                Expr::value(external.map(|e| e.source().to_owned())),
            )
            .col_expr(
                contact::Column::ExternalId,
                Expr::value(external.map(|e| e.id().to_owned())),
            )
            .filter(contact::Column::Id.eq(id.get()))
            .exec(&self.inner)
            .await?;
        Ok(())
    }

    /// Sets (or clears) the external id of an account.
    pub async fn set_account_external(
        &self,
        id: AccountId,
        external: Option<&ExternalRef>,
    ) -> Result<(), StoreError> {
        account::Entity::update_many()
            .col_expr(
                account::Column::ExternalSource,
                Expr::value(external.map(|e| e.source().to_owned())),
            )
            .col_expr(
                account::Column::ExternalId,
                Expr::value(external.map(|e| e.id().to_owned())),
            )
            .filter(account::Column::Id.eq(id.get()))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}

impl Tx {
    /// The team member whose work email is `email` (compared lowercased).
    pub async fn team_member_by_email(
        &self,
        email: &rapport_domain::values::EmailAddress,
    ) -> Result<Option<rapport_domain::team::TeamMember>, StoreError> {
        super::entity::team_member::Entity::find()
            .filter(super::entity::team_member::Column::EmailKey.eq(email.normalized()))
            .one(&self.inner)
            .await?
            .map(super::team_row::to_domain)
            .transpose()
    }
}
