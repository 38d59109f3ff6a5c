//! Bulk writes for `rapport demo-data`: new contacts land in one multi-row statement per table
//! instead of five statements each, so filling a database takes time proportional to the rows
//! (and a round trip per thousand contacts rather than per row).
//!
//! The contact columns come from the same function as `Tx::insert_contact`'s; a test compares
//! the two paths column by column, so the demo rows cannot drift from real ones.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::contact::ContactDetails;
use rapport_domain::ids::{AccountId, ContactId};
use sea_orm::{EntityTrait, Set};

use super::entity::{contact, contact_phone, contact_tag, sync_job};
use super::{StoreError, Tx};

/// Rows per statement: 1,000 contacts bind 17,000 values, within SQLite's 32,766 and
/// PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 1_000;

fn row(account: AccountId, d: &ContactDetails, now: DateTime<Utc>) -> contact::ActiveModel {
    contact::ActiveModel {
        account_id: Set(account.get()),
        erased_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..super::contacts::detail_columns(Some(d))
    }
}

impl Tx {
    /// Inserts brand-new contacts (every one with an email address, unused so far) with their
    /// phone and tag index rows, and queues an `UPSERT` sync of each to every provider in
    /// `providers`. Returns the new ids in the order of `contacts`. Meant for an empty
    /// database: the sync jobs are plain inserts, not merged with existing ones.
    pub async fn insert_new_contacts(
        &self,
        contacts: &[(AccountId, ContactDetails)],
        providers: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<ContactId>, StoreError> {
        let mut ids = Vec::with_capacity(contacts.len());
        for chunk in contacts.chunks(ROWS_PER_STATEMENT) {
            let inserted = contact::Entity::insert_many(
                chunk
                    .iter()
                    .map(|(account, details)| row(*account, details, now)),
            )
            .exec_with_returning(&self.inner)
            .await?;
            // RETURNING gives no order guarantee (SQLite says so): match rows by email key.
            let by_email: HashMap<String, i64> = inserted
                .into_iter()
                .filter_map(|m| m.email_key.map(|k| (k, m.id)))
                .collect();
            for (_, details) in chunk {
                let id = details
                    .email
                    .as_ref()
                    .and_then(|e| by_email.get(&e.normalized()))
                    .ok_or_else(|| {
                        StoreError::Db(sea_orm::DbErr::Custom(
                            "a bulk-inserted contact needs a unique email address".into(),
                        ))
                    })?;
                ids.push(*id);
            }
        }
        let pairs = || contacts.iter().zip(&ids).map(|((_, d), id)| (*id, d));
        let mut phones = Vec::new();
        let mut tags = Vec::new();
        for (id, d) in pairs() {
            let mut numbers: Vec<&str> = d.phones.iter().map(|p| p.number.as_str()).collect();
            numbers.sort_unstable();
            numbers.dedup();
            phones.extend(numbers.into_iter().map(|n| contact_phone::ActiveModel {
                contact_id: Set(id),
                number: Set(n.to_owned()),
            }));
            let mut keys: Vec<String> =
                d.tags.as_slice().iter().map(|t| t.to_lowercase()).collect();
            keys.sort_unstable();
            keys.dedup();
            tags.extend(keys.into_iter().map(|k| contact_tag::ActiveModel {
                contact_id: Set(id),
                tag_key: Set(k),
            }));
        }
        insert_all::<contact_phone::ActiveModel>(self, phones).await?;
        insert_all::<contact_tag::ActiveModel>(self, tags).await?;
        let jobs = providers
            .iter()
            .flat_map(|provider| {
                ids.iter().map(move |id| sync_job::ActiveModel {
                    provider: Set(provider.clone()),
                    contact_id: Set(*id),
                    kind: Set("UPSERT".to_owned()),
                    state: Set("PENDING".to_owned()),
                    attempts: Set(0),
                    due_at: Set(now),
                    lease_token: Set(None),
                    lease_worker: Set(None),
                    lease_until: Set(None),
                    rerun: Set(false),
                    last_error: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
            })
            .collect();
        insert_all::<sync_job::ActiveModel>(self, jobs).await?;
        Ok(ids.into_iter().map(ContactId::new).collect())
    }
}

async fn insert_all<A>(tx: &Tx, rows: Vec<A>) -> Result<(), StoreError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(&tx.inner)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "demo_rows_tests.rs"]
mod tests;
