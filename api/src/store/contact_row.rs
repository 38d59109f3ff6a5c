//! A contact as reads see it: the columns a domain [`Contact`] is made of, read by position
//! (see `by_position`). The lower-cased keys and `search_text` exist for filters and sorts;
//! no read selects them.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use rapport_domain::contact::{Contact, ContactDetails, ContactParts, EmailConsent};
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::values::{
    CustomFieldType, CustomFields, EmailAddress, Phone, PhoneNumber, PhoneType, Tags, Text,
};
use serde::Deserialize;

use super::StoreError;
use super::by_position::{Cols, ReadRow};
use super::entity::contact::{self, Column};

/// A phone of the `phones` column, borrowed from the column's text where it can be (the
/// export reads the column with it too).
#[derive(Deserialize)]
pub(crate) struct PhoneJson<'a> {
    /// The number as stored (E.164).
    #[serde(borrow, default)]
    pub(crate) number: Cow<'a, str>,
    /// The type as stored (`MOBILE`, `WORK`, …).
    #[serde(rename = "type", borrow, default)]
    pub(crate) kind: Cow<'a, str>,
}

/// A custom field of the `custom_fields` column.
#[derive(Deserialize)]
struct FieldJson<'a> {
    #[serde(borrow, default)]
    key: Cow<'a, str>,
    #[serde(rename = "type", borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Cow<'a, str>,
}

/// A tag of the `tags` column.
#[derive(Deserialize)]
struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);

impl AsRef<str> for Borrowed<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The columns of a contact that make its domain value.
#[derive(Debug)]
pub(super) struct ContactRow {
    id: i64,
    account_id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phones: String,
    job_role: Option<String>,
    email_consent: String,
    tags: String,
    custom_fields: String,
    erased_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    external_source: Option<String>,
    external_id: Option<String>,
}

impl ReadRow for ContactRow {
    type Entity = contact::Entity;
    const COLUMNS: &'static [Column] = &[
        Column::Id,
        Column::AccountId,
        Column::FirstName,
        Column::LastName,
        Column::Email,
        Column::Phones,
        Column::JobRole,
        Column::EmailConsent,
        Column::Tags,
        Column::CustomFields,
        Column::ErasedAt,
        Column::Version,
        Column::CreatedAt,
        Column::UpdatedAt,
        Column::ExternalSource,
        Column::ExternalId,
    ];

    fn read(c: &mut Cols<'_>) -> Result<Self, StoreError> {
        // Fields are evaluated in the order written: the order of `COLUMNS`.
        Ok(ContactRow {
            id: c.next()?,
            account_id: c.next()?,
            first_name: c.next()?,
            last_name: c.next()?,
            email: c.next()?,
            phones: c.next()?,
            job_role: c.next()?,
            email_consent: c.next()?,
            tags: c.next()?,
            custom_fields: c.next()?,
            erased_at: c.next()?,
            version: c.next()?,
            created_at: c.next()?,
            updated_at: c.next()?,
            external_source: c.next()?,
            external_id: c.next()?,
        })
    }
}

impl From<contact::Model> for ContactRow {
    fn from(row: contact::Model) -> Self {
        let contact::Model {
            id,
            account_id,
            first_name,
            last_name,
            email,
            email_key: _,
            phones,
            job_role,
            email_consent,
            tags,
            custom_fields,
            search_text: _,
            first_name_key: _,
            last_name_key: _,
            external_source,
            external_id,
            erased_at,
            version,
            created_at,
            updated_at,
        } = row;
        ContactRow {
            id,
            account_id,
            first_name,
            last_name,
            email,
            phones,
            job_role,
            email_consent,
            tags,
            custom_fields,
            erased_at,
            version,
            created_at,
            updated_at,
            external_source,
            external_id,
        }
    }
}

/// A stored contact (a model read whole, by a write) as a domain value.
pub(super) fn to_domain(row: contact::Model) -> Result<Contact, StoreError> {
    ContactRow::from(row).into_domain()
}

impl ContactRow {
    /// The domain value, or a `Corrupt` error naming the column that does not parse.
    pub(super) fn into_domain(self) -> Result<Contact, StoreError> {
        let ContactRow {
            id,
            account_id,
            first_name,
            last_name,
            email,
            phones,
            job_role,
            email_consent,
            tags,
            custom_fields,
            erased_at,
            version,
            created_at,
            updated_at,
            external_source,
            external_id,
        } = self;

        let bad = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::corrupt("contacts", id, format!("{what}: {e}"))
        };
        let details = match (erased_at, first_name) {
            (Some(_), _) => None,
            (None, None) => return Err(bad("first_name", &"missing on a live contact")),
            (None, Some(first)) => {
                let phones: Vec<PhoneJson<'_>> =
                    serde_json::from_str(&phones).map_err(|e| bad("phones", &e))?;
                let phones = phones
                    .iter()
                    .map(|p| {
                        Ok(Phone {
                            number: PhoneNumber::parse(&p.number).map_err(|e| bad("phones", &e))?,
                            kind: PhoneType::parse(&p.kind).map_err(|e| bad("phones", &e))?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let tags: Vec<Borrowed<'_>> =
                    serde_json::from_str(&tags).map_err(|e| bad("tags", &e))?;
                let fields: Vec<FieldJson<'_>> =
                    serde_json::from_str(&custom_fields).map_err(|e| bad("custom_fields", &e))?;
                let fields = fields
                    .into_iter()
                    .map(|f| {
                        Ok((
                            f.key.into_owned(),
                            CustomFieldType::parse(&f.kind)
                                .map_err(|e| bad("custom_fields", &e))?,
                            f.value.into_owned(),
                        ))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                Some(ContactDetails {
                    first_name: Text::name_owned("firstName", first)
                        .map_err(|e| bad("first_name", &e))?,
                    last_name: last_name
                        .map(|l| Text::name_owned("lastName", l))
                        .transpose()
                        .map_err(|e| bad("last_name", &e))?,
                    email: email
                        .map(EmailAddress::parse_owned)
                        .transpose()
                        .map_err(|e| bad("email", &e))?,
                    phones,
                    job_role: job_role
                        .map(|j| Text::name_owned("jobRole", j))
                        .transpose()
                        .map_err(|e| bad("job_role", &e))?,
                    email_consent: EmailConsent::parse(&email_consent)
                        .map_err(|e| bad("email_consent", &e))?,
                    tags: Tags::parse(&tags).map_err(|e| bad("tags", &e))?,
                    custom_fields: CustomFields::parse(fields)
                        .map_err(|e| bad("custom_fields", &e))?,
                })
            }
        };
        Contact::restore(ContactParts {
            id: ContactId::new(id),
            account: AccountId::new(account_id),
            details,
            erased_at,
            version,
            created_at,
            updated_at,
            external: super::import::external(external_source, external_id)
                .map_err(|e| bad("external_id", &e))?,
        })
        .map_err(|e| bad("contact", &e))
    }
}
