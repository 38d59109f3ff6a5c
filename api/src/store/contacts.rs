use chrono::{DateTime, Utc};
use rapport_domain::contact::{Contact, ContactDetails, EmailConsent};
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::values::{CustomFields, EmailAddress, Phone, PhoneNumber};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};

use super::by_position;
use super::contact_row::{ContactRow, to_domain};
use super::entity::{account, contact, contact_phone, contact_tag};
use super::page::fetch_rows;
use super::{AccountQuery, ContactSort, Page, PageRequest, Store, StoreError, Tx, scope};
use crate::auth::ReadScope;

/// Which contacts a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// Only contacts of this account.
    pub account: Option<AccountId>,
    /// Name, email or phone contains this text.
    pub search: Option<String>,
    /// Only contacts with this consent.
    pub consent: Option<EmailConsent>,
    /// Only contacts with this tag (case-insensitive).
    pub tag: Option<String>,
    /// Only contacts whose account matches this filter (relationship type, manager, partner…).
    pub account_filter: Option<AccountQuery>,
}

impl ContactQuery {
    pub(super) fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(a) = self.account {
            cond = cond.add(contact::Column::AccountId.eq(a.get()));
        }
        if let Some(text) = self.search.as_deref().filter(|t| !t.trim().is_empty()) {
            cond = cond.add(
                Expr::col(contact::Column::SearchText)
                    .like(super::like::contains(&search_key(text))),
            );
        }
        if let Some(c) = self.consent {
            cond = cond.add(contact::Column::EmailConsent.eq(c.as_str()));
        }
        if let Some(tag) = &self.tag {
            cond = cond.add(
                Expr::col(contact::Column::Id).in_subquery(
                    Query::select()
                        .column(contact_tag::Column::ContactId)
                        .from(contact_tag::Entity)
                        .and_where(contact_tag::Column::TagKey.eq(tag.trim().to_lowercase()))
                        .to_owned(),
                ),
            );
        }
        let accounts = self.account_filter.clone().unwrap_or_default();
        if accounts != AccountQuery::default() {
            cond = cond.add(
                Expr::col(contact::Column::AccountId).in_subquery(
                    Query::select()
                        .column(account::Column::Id)
                        .from(account::Entity)
                        .cond_where(accounts.condition())
                        .to_owned(),
                ),
            );
        }
        cond
    }
}

/// A search text that looks like a phone number is compared digit by digit.
fn search_key(text: &str) -> String {
    let t = text.trim();
    let phone_like = t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    if phone_like {
        t.chars().filter(char::is_ascii_digit).collect()
    } else {
        t.to_lowercase()
    }
}

fn search_text(d: &ContactDetails) -> String {
    let mut parts = vec![d.first_name.as_str().to_lowercase()];
    if let Some(last) = &d.last_name {
        parts.push(last.as_str().to_lowercase());
    }
    if let Some(email) = &d.email {
        parts.push(email.normalized());
    }
    for phone in &d.phones {
        parts.push(phone.number.digits().to_owned());
    }
    parts.join(" ")
}

fn phones_json(phones: &[Phone]) -> String {
    Value::Array(
        phones
            .iter()
            .map(|p| json!({"number": p.number.as_str(), "type": p.kind.as_str()}))
            .collect(),
    )
    .to_string()
}

fn custom_fields_json(fields: &CustomFields) -> String {
    Value::Array(
        fields
            .as_slice()
            .iter()
            .map(|f| json!({"key": f.key(), "type": f.kind().as_str(), "value": f.value()}))
            .collect(),
    )
    .to_string()
}

/// The column values of a contact's details (all empty for an erased contact).
pub(super) fn detail_columns(details: Option<&ContactDetails>) -> contact::ActiveModel {
    match details {
        Some(d) => contact::ActiveModel {
            first_name: Set(Some(d.first_name.as_str().to_owned())),
            first_name_key: Set(Some(d.first_name.as_str().to_lowercase())),
            last_name: Set(d.last_name.as_ref().map(|t| t.as_str().to_owned())),
            last_name_key: Set(d.last_name.as_ref().map(|t| t.as_str().to_lowercase())),
            email: Set(d.email.as_ref().map(|e| e.as_str().to_owned())),
            email_key: Set(d.email.as_ref().map(EmailAddress::normalized)),
            phones: Set(phones_json(&d.phones)),
            job_role: Set(d.job_role.as_ref().map(|t| t.as_str().to_owned())),
            email_consent: Set(d.email_consent.as_str().to_owned()),
            tags: Set(Value::from(d.tags.as_slice().to_vec()).to_string()),
            custom_fields: Set(custom_fields_json(&d.custom_fields)),
            search_text: Set(search_text(d)),
            ..Default::default()
        },
        None => contact::ActiveModel {
            first_name: Set(None),
            first_name_key: Set(None),
            last_name: Set(None),
            last_name_key: Set(None),
            email: Set(None),
            email_key: Set(None),
            phones: Set("[]".to_owned()),
            job_role: Set(None),
            email_consent: Set(EmailConsent::None.as_str().to_owned()),
            tags: Set("[]".to_owned()),
            custom_fields: Set("[]".to_owned()),
            search_text: Set(String::new()),
            ..Default::default()
        },
    }
}

impl Store {
    /// Contacts by id; missing ids and ids outside `scope` are skipped.
    pub async fn contacts_by_ids(
        &self,
        scope: ReadScope,
        ids: &[ContactId],
    ) -> Result<Vec<Contact>, StoreError> {
        let select = contact::Entity::find()
            .filter(contact::Column::Id.is_in(ids.iter().map(|id| id.get())))
            .filter(scope::by_account(scope, contact::Column::AccountId));
        by_position::all::<ContactRow>(self.reader(), select)
            .await?
            .into_iter()
            .map(ContactRow::into_domain)
            .collect()
    }

    /// The live contacts that have `number` among their phone numbers, oldest first: a read,
    /// nothing locked (a caller-ID lookup).
    pub async fn live_contacts_by_phone(
        &self,
        number: &PhoneNumber,
    ) -> Result<Vec<Contact>, StoreError> {
        by_position::all::<ContactRow>(self.reader(), live_with_phone(number))
            .await?
            .into_iter()
            .map(ContactRow::into_domain)
            .collect()
    }

    /// One page of contacts matching `query`.
    pub async fn contacts_page(
        &self,
        scope: ReadScope,
        query: &ContactQuery,
        page: &PageRequest<ContactSort>,
    ) -> Result<Page<Contact>, StoreError> {
        let select = contact::Entity::find()
            .filter(query.condition())
            .filter(scope::by_account(scope, contact::Column::AccountId));
        fetch_rows::<ContactRow, _>(self.reader(), select, contact::Column::Id, page)
            .await?
            .try_map(ContactRow::into_domain)
    }

    /// How many contacts match `query`.
    pub async fn contacts_count(
        &self,
        scope: ReadScope,
        query: &ContactQuery,
    ) -> Result<u64, StoreError> {
        Ok(contact::Entity::find()
            .filter(query.condition())
            .filter(scope::by_account(scope, contact::Column::AccountId))
            .count(self.reader())
            .await?)
    }
}

/// The live contacts with `number`, oldest first, found through the `contact_phones` index.
fn live_with_phone(number: &PhoneNumber) -> sea_orm::Select<contact::Entity> {
    contact::Entity::find()
        .filter(
            contact::Column::Id.in_subquery(
                Query::select()
                    .column(contact_phone::Column::ContactId)
                    .from(contact_phone::Entity)
                    .and_where(contact_phone::Column::Number.eq(number.as_str()))
                    .to_owned(),
            ),
        )
        .filter(contact::Column::ErasedAt.is_null())
        .order_by_asc(contact::Column::Id)
}

impl Tx {
    /// Inserts a contact.
    pub async fn insert_contact(
        &self,
        account: AccountId,
        details: &ContactDetails,
        now: DateTime<Utc>,
    ) -> Result<Contact, StoreError> {
        let mut row = detail_columns(Some(details));
        row.account_id = Set(account.get());
        row.erased_at = Set(None);
        row.version = Set(1);
        row.created_at = Set(now);
        row.updated_at = Set(now);
        let row = row.insert(&self.inner).await?;
        self.replace_tags(row.id, Some(details)).await?;
        self.replace_phones(row.id, Some(details)).await?;
        to_domain(row)
    }

    /// Loads a contact for change.
    pub async fn load_contact(&self, id: ContactId) -> Result<Option<Contact>, StoreError> {
        contact::Entity::find_by_id(id.get())
            .one(&self.inner)
            .await?
            .map(to_domain)
            .transpose()
    }

    /// Ids of every contact of an account (erased ones included).
    pub async fn contact_ids_of_account(
        &self,
        account: AccountId,
    ) -> Result<Vec<ContactId>, StoreError> {
        Ok(contact::Entity::find()
            .filter(contact::Column::AccountId.eq(account.get()))
            .all(&self.inner)
            .await?
            .into_iter()
            .map(|c| ContactId::new(c.id))
            .collect())
    }

    /// Whether a live contact other than `except` already uses this email (lowercased).
    pub async fn email_in_use(
        &self,
        email: &EmailAddress,
        except: Option<ContactId>,
    ) -> Result<bool, StoreError> {
        let mut select =
            contact::Entity::find().filter(contact::Column::EmailKey.eq(email.normalized()));
        if let Some(id) = except {
            select = select.filter(contact::Column::Id.ne(id.get()));
        }
        Ok(select.count(&self.inner).await? > 0)
    }

    /// The live contact whose address is `email` (compared lowercased), locked for change until
    /// the transaction ends (PostgreSQL; SQLite has one writer anyway).
    pub async fn live_contact_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<Contact>, StoreError> {
        contact::Entity::find()
            .filter(contact::Column::EmailKey.eq(email.normalized()))
            .filter(contact::Column::ErasedAt.is_null())
            .lock_exclusive()
            .one(&self.inner)
            .await?
            .map(to_domain)
            .transpose()
    }

    /// The live contacts that have `number` among their phone numbers, oldest first, locked
    /// for change until the transaction ends (PostgreSQL), so an erasure running at the same
    /// time either comes first and leaves nothing to match, or waits for this transaction.
    /// Found through the `contact_phones` index, whatever the number of contacts.
    pub async fn live_contacts_with_phone(
        &self,
        number: &PhoneNumber,
    ) -> Result<Vec<Contact>, StoreError> {
        live_with_phone(number)
            .lock_exclusive()
            .all(&self.inner)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    /// Saves a changed (or erased) contact if nobody saved it since `expected_version`.
    pub async fn save_contact(
        &self,
        contact: Contact,
        expected_version: i32,
    ) -> Result<Contact, StoreError> {
        let mut parts = contact.into_parts();
        let mut row = detail_columns(parts.details.as_ref());
        row.account_id = Set(parts.account.get());
        row.erased_at = Set(parts.erased_at);
        row.version = Set(expected_version + 1);
        row.updated_at = Set(parts.updated_at);
        let result = contact::Entity::update_many()
            .set(row)
            .filter(contact::Column::Id.eq(parts.id.get()))
            .filter(contact::Column::Version.eq(expected_version))
            .exec(&self.inner)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        self.replace_tags(parts.id.get(), parts.details.as_ref())
            .await?;
        self.replace_phones(parts.id.get(), parts.details.as_ref())
            .await?;
        parts.version = expected_version + 1;
        Contact::restore(parts).map_err(|e| StoreError::corrupt("contacts", "saved", e))
    }

    /// Keeps the `contact_phones` index equal to the contact's numbers (none once erased).
    async fn replace_phones(
        &self,
        contact_id: i64,
        details: Option<&ContactDetails>,
    ) -> Result<(), StoreError> {
        contact_phone::Entity::delete_many()
            .filter(contact_phone::Column::ContactId.eq(contact_id))
            .exec(&self.inner)
            .await?;
        let mut numbers: Vec<String> = details
            .map(|d| {
                d.phones
                    .iter()
                    .map(|p| p.number.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        numbers.sort();
        numbers.dedup();
        if numbers.is_empty() {
            return Ok(());
        }
        contact_phone::Entity::insert_many(numbers.into_iter().map(|number| {
            contact_phone::ActiveModel {
                contact_id: Set(contact_id),
                number: Set(number),
            }
        }))
        .exec(&self.inner)
        .await?;
        Ok(())
    }

    async fn replace_tags(
        &self,
        contact_id: i64,
        details: Option<&ContactDetails>,
    ) -> Result<(), StoreError> {
        contact_tag::Entity::delete_many()
            .filter(contact_tag::Column::ContactId.eq(contact_id))
            .exec(&self.inner)
            .await?;
        let mut keys: Vec<String> = details
            .map(|d| d.tags.as_slice().iter().map(|t| t.to_lowercase()).collect())
            .unwrap_or_default();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(());
        }
        contact_tag::Entity::insert_many(keys.into_iter().map(|tag_key| {
            contact_tag::ActiveModel {
                contact_id: Set(contact_id),
                tag_key: Set(tag_key),
            }
        }))
        .exec(&self.inner)
        .await?;
        Ok(())
    }
}
