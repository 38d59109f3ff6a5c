//! A contact row read from its cells. The columns an export of contacts writes all read back:
//! `phones` (`type:number;…`, the whole list) besides the single `phone`, `job_role` (or
//! `title`), `email_consent` (or `marketing_consent`), `tags` (`;`-separated),
//! `custom_fields` (the export's JSON), and `erased_at`: a row of an erased contact only
//! finds that contact again, it imports nothing.

use rapport_domain::contact::EmailConsent;
use rapport_domain::ids::AccountId;
use rapport_domain::values::{
    CustomFieldType, CustomFields, EmailAddress, ExternalRef, Phone, PhoneNumber, PhoneType, Tags,
    Text,
};

use super::ImportOptions;
use super::own_id::OwnId;
use super::rows::{Cells, Refusal, refuse};
use crate::global_id::{self, Kind};

/// A contact row as read: `None` where the file has no such column.
pub(super) struct Row {
    pub own: Option<OwnId>,
    pub external: Option<ExternalRef>,
    pub account_id: Option<AccountId>,
    pub account_external: Option<ExternalRef>,
    pub first_name: Option<Text>,
    pub last_name: Option<Option<Text>>,
    pub email: Option<Option<EmailAddress>>,
    /// The single `phone` column: the first number.
    pub phone: Option<Option<PhoneNumber>>,
    /// The `phones` column: every number.
    pub phones: Option<Vec<Phone>>,
    pub title: Option<Option<Text>>,
    pub consent: Option<Option<EmailConsent>>,
    pub tags: Option<Tags>,
    pub custom_fields: Option<CustomFields>,
    /// The row is of an erased contact (`erased_at` is set).
    pub erased: bool,
}

/// One of two columns that say the same (the import's name and the export's): refused when a
/// file has both.
fn either<'c>(
    cells: &'c Cells<'_>,
    ours: &'static str,
    export: &'static str,
) -> Result<(&'static str, Option<&'c str>), Refusal> {
    match (cells.raw(ours), cells.raw(export)) {
        (Some(_), Some(_)) => Err(refuse(export, format!("give {ours} or {export}, not both"))),
        (Some(v), None) => Ok((ours, Some(v))),
        (None, v) => Ok((export, v)),
    }
}

fn optional<T>(
    column: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, rapport_domain::ValidationError>,
) -> Result<Option<Option<T>>, Refusal> {
    match raw {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(v) => parse(v)
            .map(|t| Some(Some(t)))
            .map_err(|e| refuse(column, e.message)),
    }
}

/// `work:+33612345678;mobile:+447700900123` (a number without a type is a work number).
fn phones(raw: &str) -> Result<Vec<Phone>, Refusal> {
    raw.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (kind, number) = match p.split_once(':') {
                Some((kind, number)) => (
                    PhoneType::parse(&kind.trim().to_ascii_uppercase())
                        .map_err(|e| refuse("phones", e.message))?,
                    number,
                ),
                None => (PhoneType::Work, p),
            };
            let number = PhoneNumber::parse(number).map_err(|e| refuse("phones", e.message))?;
            Ok(Phone { number, kind })
        })
        .collect()
}

/// The export's JSON: `[{"key": …, "type": …, "value": …}]`.
fn custom_fields(raw: &str) -> Result<CustomFields, Refusal> {
    if raw.is_empty() {
        return Ok(CustomFields::default());
    }
    let bad = |why: String| refuse("custom_fields", why);
    let items: Vec<serde_json::Value> = serde_json::from_str(raw).map_err(|e| {
        bad(format!(
            "must be a JSON list of {{\"key\", \"type\", \"value\"}}: {e}"
        ))
    })?;
    let fields = items
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            let kind = CustomFieldType::parse(&text("type")).map_err(|e| bad(e.message))?;
            Ok((text("key"), kind, text("value")))
        })
        .collect::<Result<Vec<_>, Refusal>>()?;
    CustomFields::parse(fields).map_err(|e| bad(format!("{}: {}", e.field, e.message)))
}

/// Reads a contact row, refusing with the column at fault.
pub(super) fn read(cells: &Cells<'_>, options: &ImportOptions) -> Result<Row, Refusal> {
    let own = OwnId::read(cells, Kind::Contact);
    let external = cells.external(options, "external_id")?;
    if cells.value("erased_at").is_some() {
        // An erased contact's personal data is gone from the row as from the database.
        return Ok(Row {
            own,
            external,
            account_id: None,
            account_external: None,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            phones: None,
            title: None,
            consent: None,
            tags: None,
            custom_fields: None,
            erased: true,
        });
    }
    let account_id = match cells.value("account_id") {
        None => None,
        Some(v) => Some(AccountId::new(
            global_id::decode(Kind::Account, v)
                .or_else(|| v.parse::<i64>().ok().filter(|n| *n > 0))
                .ok_or_else(|| refuse("account_id", "is not an account id"))?,
        )),
    };
    let (title_column, title) = either(cells, "title", "job_role")?;
    let (consent_column, consent) = either(cells, "marketing_consent", "email_consent")?;
    either(cells, "phone", "phones")?;
    Ok(Row {
        own,
        external,
        account_id,
        account_external: cells.external(options, "account_external_id")?,
        first_name: cells.name("first_name")?,
        last_name: cells.optional("last_name", |v| Text::name("last_name", v))?,
        email: cells.optional("email", EmailAddress::parse)?,
        phone: optional("phone", cells.raw("phone"), PhoneNumber::parse)?,
        phones: cells.raw("phones").map(phones).transpose()?,
        title: optional(title_column, title, |v| Text::name(title_column, v))?,
        consent: optional(consent_column, consent, |v| {
            EmailConsent::parse(&v.to_ascii_uppercase())
        })?,
        tags: cells
            .raw("tags")
            .map(|v| {
                let list: Vec<&str> = v.split(';').filter(|t| !t.trim().is_empty()).collect();
                Tags::parse(&list).map_err(|e| refuse("tags", e.message))
            })
            .transpose()?,
        custom_fields: cells.raw("custom_fields").map(custom_fields).transpose()?,
        erased: false,
    })
}
