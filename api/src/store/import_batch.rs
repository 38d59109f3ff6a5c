//! Multi-row writes of an import's new records: a chunk's new contacts (or accounts), their
//! phones, tags and domains in a few statements for all of them ([`bulk_insert`]) instead of a
//! statement or more per record.
//!
//! New contacts' ids come back from `RETURNING id` and are matched to the rows in order: both
//! databases number the rows of one `INSERT` from an increasing sequence (PostgreSQL's
//! `nextval`, SQLite's next rowid) as they insert them, in that order, so the ids sorted
//! ascending are the rows' ids in order. Accounts come back whole (`RETURNING *`) and are
//! matched likewise.

use chrono::{DateTime, Utc};
use rapport_domain::account::{Account, NewAccount};
use rapport_domain::contact::{Contact, ContactDetails, ContactParts};
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::values::ExternalRef;
use sea_orm::{EntityTrait, Set};

use super::deferred::rows_per_statement;
use super::entity::{account, account_domain, contact_phone, contact_tag};
use super::{StoreError, Tx, bulk_insert};

/// A new contact to insert.
#[derive(Debug, Clone)]
pub struct NewContactRow<'a> {
    /// Its account.
    pub account: AccountId,
    /// What it says.
    pub details: &'a ContactDetails,
    /// The source system's id for it.
    pub external: Option<&'a ExternalRef>,
}

/// A new account to insert.
#[derive(Debug, Clone)]
pub struct NewAccountRow<'a> {
    /// What it says.
    pub new: &'a NewAccount,
    /// The source system's id for it.
    pub external: Option<&'a ExternalRef>,
}

/// Contacts built into rows at a time (the bulk insert splits them into statements).
const CONTACTS_PER_STEP: usize = 2_000;
/// Columns an account row binds.
const ACCOUNT_COLUMNS: usize = 16;

fn mismatch(table: &'static str, sent: usize, back: usize) -> StoreError {
    StoreError::corrupt(
        table,
        "insert",
        format!("{sent} rows inserted but {back} ids returned"),
    )
}

impl Tx {
    /// Inserts new contacts, with their phones and tags; returns them in the order given.
    pub async fn insert_contacts(
        &self,
        rows: &[NewContactRow<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Contact>, StoreError> {
        let mut made = Vec::with_capacity(rows.len());
        for batch in rows.chunks(CONTACTS_PER_STEP) {
            let models = batch.iter().map(|r| {
                let mut row = super::contacts::detail_columns(Some(r.details));
                row.account_id = Set(r.account.get());
                row.erased_at = Set(None);
                row.version = Set(1);
                row.created_at = Set(now);
                row.updated_at = Set(now);
                row.external_source = Set(r.external.map(|e| e.source().to_owned()));
                row.external_id = Set(r.external.map(|e| e.id().to_owned()));
                row
            });
            let ids = bulk_insert::insert_returning_ids(&self.inner, models.collect()).await?;
            for (id, r) in ids.into_iter().zip(batch) {
                let contact = Contact::restore(ContactParts {
                    id: ContactId::new(id),
                    account: r.account,
                    details: Some(r.details.clone()),
                    erased_at: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    external: r.external.cloned(),
                })
                .map_err(|e| StoreError::corrupt("contacts", id, e))?;
                made.push(contact);
            }
        }
        let phones: Vec<contact_phone::ActiveModel> = made
            .iter()
            .zip(rows)
            .flat_map(|(c, r)| {
                let mut numbers: Vec<&str> =
                    r.details.phones.iter().map(|p| p.number.as_str()).collect();
                numbers.sort_unstable();
                numbers.dedup();
                numbers.into_iter().map(|n| contact_phone::ActiveModel {
                    contact_id: Set(c.id().get()),
                    number: Set(n.to_owned()),
                })
            })
            .collect();
        bulk_insert::insert(&self.inner, phones).await?;
        let tags: Vec<contact_tag::ActiveModel> = made
            .iter()
            .zip(rows)
            .flat_map(|(c, r)| {
                let mut keys: Vec<String> = r
                    .details
                    .tags
                    .as_slice()
                    .iter()
                    .map(|t| t.to_lowercase())
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                keys.into_iter().map(|k| contact_tag::ActiveModel {
                    contact_id: Set(c.id().get()),
                    tag_key: Set(k),
                })
            })
            .collect();
        bulk_insert::insert(&self.inner, tags).await?;
        Ok(made)
    }

    /// Inserts new accounts (customers, active), with their domains; returns them in the
    /// order given.
    pub async fn insert_accounts(
        &self,
        rows: &[NewAccountRow<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Account>, StoreError> {
        let mut made = Vec::with_capacity(rows.len());
        for batch in rows.chunks(rows_per_statement(ACCOUNT_COLUMNS)) {
            let models = batch.iter().map(|r| {
                let mut row = super::accounts::new_account_columns(r.new, now);
                row.external_source = Set(r.external.map(|e| e.source().to_owned()));
                row.external_id = Set(r.external.map(|e| e.id().to_owned()));
                row
            });
            let mut back: Vec<account::Model> = account::Entity::insert_many(models)
                .exec_with_returning(&self.inner)
                .await?;
            if back.len() != batch.len() {
                return Err(mismatch("accounts", batch.len(), back.len()));
            }
            back.sort_unstable_by_key(|m| m.id);
            for (model, r) in back.into_iter().zip(batch) {
                let domains = r
                    .new
                    .domains
                    .iter()
                    .map(|d| (d.domain.as_str().to_owned(), d.confirmed))
                    .collect();
                made.push(super::account_row::to_domain(model, domains)?);
            }
        }
        let domains: Vec<account_domain::ActiveModel> = made
            .iter()
            .zip(rows)
            .flat_map(|(a, r)| {
                r.new.domains.iter().map(|d| account_domain::ActiveModel {
                    domain: Set(d.domain.as_str().to_owned()),
                    account_id: Set(a.id().get()),
                    confirmed: Set(d.confirmed),
                })
            })
            .collect();
        bulk_insert::insert(&self.inner, domains).await?;
        Ok(made)
    }
}
