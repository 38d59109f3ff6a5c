//! Contact rows: checked, matched (external id, then email, as the import says), then created,
//! updated, found unchanged or refused, each in its own savepoint.

use std::collections::HashMap;

use rapport_domain::account::Account;
use rapport_domain::contact::{Contact, ContactDetails, EmailConsent};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::AccountId;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::{ExternalRef, Phone, PhoneType};

use super::contact_row::{Row, read};
use super::driver::{Applied, RowKind};
use super::rows::{Cells, Refusal, refuse, show};
use super::{CONTACT_COLUMNS, ImportOptions, MatchBy, Outcome};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::accounts::account_scope;
use crate::service::record::{Change, record};
use crate::service::{Ctx, snapshot};
use crate::store::Tx;

/// The file's column for a field name the domain uses.
fn column(field: &str) -> &str {
    match field {
        "externalId" => "external_id",
        "firstName" => "first_name",
        "lastName" => "last_name",
        "emailConsent" => "marketing_consent",
        "jobRole" => "title",
        "phones" => "phone",
        "accountId" => "account_id",
        other => other,
    }
}

/// A refusal for what a use-case step said no with; outages stop the import instead.
fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
    Ok(match err {
        ApiError::BadUserInput { field, message } => (column(&field).to_owned(), message),
        ApiError::NotFound(_) => refuse("account_id", "no such account"),
        ApiError::Forbidden => refuse("row", "you may not change this contact"),
        ApiError::Conflict(m) | ApiError::InvalidTransition { message: m, .. } => refuse("row", m),
        other @ (ApiError::Unauthenticated | ApiError::Internal(_)) => return Err(other),
    })
}

/// What a chunk's rows may match, looked up once for the chunk.
pub(super) struct Found {
    by_id: HashMap<i64, Contact>,
    by_external: HashMap<ExternalRef, Contact>,
    by_email: HashMap<String, Contact>,
    accounts_by_external: HashMap<ExternalRef, AccountId>,
    accounts: HashMap<AccountId, Option<Account>>,
}

/// Contact rows.
pub(super) struct Contacts;

impl RowKind for Contacts {
    type Row = Row;
    type Found = Found;

    const COLUMNS: &'static [&'static str] = CONTACT_COLUMNS;

    fn read(cells: &Cells<'_>, options: &ImportOptions) -> Result<Row, Refusal> {
        read(cells, options)
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        if let Some(e) = &row.external {
            keys.push(("external_id", show(e)));
        }
        if let Some(Some(email)) = &row.email {
            keys.push(("email", email.normalized()));
        }
        keys
    }

    async fn look_up(tx: &Tx, _ctx: &Ctx<'_>, rows: &[&Row]) -> Result<Found, ApiError> {
        let externals: Vec<ExternalRef> = rows.iter().filter_map(|r| r.external.clone()).collect();
        let emails: Vec<String> = rows
            .iter()
            .filter_map(|r| r.email.clone().flatten())
            .map(|e| e.normalized())
            .collect();
        let account_refs: Vec<ExternalRef> = rows
            .iter()
            .filter_map(|r| r.account_external.clone())
            .collect();
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.own.map(|o| o.id)).collect();
        Ok(Found {
            by_id: tx.contacts_by_ids(&ids).await?,
            by_external: tx.contacts_by_external(&externals).await?,
            by_email: tx.live_contacts_by_email_keys(&emails).await?,
            accounts_by_external: tx.accounts_by_external(&account_refs).await?,
            accounts: HashMap::new(),
        })
    }

    async fn apply(
        tx: &Tx,
        ctx: &Ctx<'_>,
        options: &ImportOptions,
        found: &mut Found,
        row: Row,
    ) -> Result<Applied, ApiError> {
        one(tx, ctx, options, found, row).await
    }

    fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
        refusal(err)
    }
}

/// The contact a row is about, by the import's matching order, and what else it collides with.
fn matched(options: &ImportOptions, found: &Found, row: &Row) -> Result<Option<Contact>, Refusal> {
    let by_id = row.own.and_then(|o| {
        found
            .by_id
            .get(&o.id)
            .filter(|c| o.names(c.parts().created_at))
    });
    let by_external = row.external.as_ref().and_then(|e| found.by_external.get(e));
    let by_email = row
        .email
        .as_ref()
        .and_then(|e| e.as_ref())
        .and_then(|e| found.by_email.get(&e.normalized()));
    let mut hit: Option<&Contact> = None;
    for m in &options.match_by {
        hit = match m {
            MatchBy::ExternalId => by_external,
            MatchBy::Email => by_email,
            MatchBy::Id => by_id,
            MatchBy::Domain | MatchBy::Subject => None,
        };
        if hit.is_some() {
            break;
        }
    }
    if let Some(other) = by_external
        && hit.is_some_and(|h| h.id() != other.id())
    {
        return Err(refuse(
            "external_id",
            format!(
                "is the external id of another contact ({}) than the one this row matches: a possible duplicate, not merged",
                global_id::encode(Kind::Contact, other.id().get())
            ),
        ));
    }
    if let (Some(hit), Some(other)) = (hit, by_email)
        && hit.id() != other.id()
    {
        return Err(refuse(
            "email",
            format!(
                "is used by another contact ({}) than the one this row matches: a possible duplicate, not merged",
                global_id::encode(Kind::Contact, other.id().get())
            ),
        ));
    }
    if hit.is_none()
        && let Some(other) = by_email
    {
        return Err(refuse(
            "email",
            format!(
                "is already used by contact {}; match by email to update it",
                global_id::encode(Kind::Contact, other.id().get())
            ),
        ));
    }
    if let (Some(hit), Some(ours)) = (hit, &row.external)
        && let Some(theirs) = &hit.parts().external
        && theirs != ours
    {
        return Err(refuse(
            "external_id",
            format!(
                "the contact this row matches ({}) has the external id {}: a possible duplicate, not merged",
                global_id::encode(Kind::Contact, hit.id().get()),
                show(theirs)
            ),
        ));
    }
    if row.erased {
        return match hit {
            Some(c) if c.is_erased() => Ok(Some(c.clone())),
            Some(_) => Err(refuse(
                "erased_at",
                "an import does not erase a contact; use eraseContact",
            )),
            None => Err(refuse("erased_at", "an erased contact is not imported")),
        };
    }
    if hit.is_some_and(Contact::is_erased) {
        return Err(refuse("external_id", "matches an erased contact"));
    }
    Ok(hit.cloned())
}

async fn account<'f>(
    tx: &Tx,
    found: &'f mut Found,
    id: AccountId,
) -> Result<Option<&'f Account>, ApiError> {
    if let std::collections::hash_map::Entry::Vacant(slot) = found.accounts.entry(id) {
        slot.insert(tx.load_account(id).await?);
    }
    Ok(found.accounts.get(&id).and_then(Option::as_ref))
}

/// The account the row names, if it names one.
fn named_account(found: &Found, row: &Row) -> Result<Option<AccountId>, Refusal> {
    if let Some(id) = row.account_id {
        return Ok(Some(id));
    }
    match &row.account_external {
        None => Ok(None),
        Some(e) => found
            .accounts_by_external
            .get(e)
            .copied()
            .map(Some)
            .ok_or_else(|| {
                refuse(
                    "account_external_id",
                    format!("no account has the external id {}", show(e)),
                )
            }),
    }
}

async fn one(
    tx: &Tx,
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    found: &mut Found,
    row: Row,
) -> Result<Applied, ApiError> {
    let existing = match matched(options, found, &row) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let named = match named_account(found, &row) {
        Ok(a) => a,
        Err(r) => return Ok(Err(r)),
    };
    match existing {
        // A row of an erased contact that found it: nothing of it is imported.
        Some(contact) if row.erased => Ok(Ok((Outcome::Unchanged, Some(contact.id().get())))),
        None => create(tx, ctx, found, row, named).await,
        Some(contact) => update(tx, ctx, found, row, named, contact).await,
    }
}

async fn authorize_on(
    tx: &Tx,
    ctx: &Ctx<'_>,
    found: &mut Found,
    id: AccountId,
    action: Action,
) -> Result<(), ApiError> {
    let Some(account) = account(tx, found, id).await? else {
        return Err(ApiError::NotFound("account"));
    };
    let scope = Resource::Account(account_scope(account));
    ctx.authorize(Action::ReadAccount, &scope, "account")?;
    ctx.authorize(action, &scope, "account")
}

async fn create(
    tx: &Tx,
    ctx: &Ctx<'_>,
    found: &mut Found,
    row: Row,
    named: Option<AccountId>,
) -> Result<Applied, ApiError> {
    let Some(first_name) = row.first_name else {
        return Ok(Err(refuse("first_name", "is required for a new contact")));
    };
    let email = row.email.flatten();
    let account = match named {
        Some(id) => id,
        None => match &email {
            Some(e) => match tx.account_for_domain(&e.domain()).await? {
                Some(id) => id,
                None => {
                    return Ok(Err(refuse(
                        "account_id",
                        "is required unless the email's domain is confirmed for an account",
                    )));
                }
            },
            None => {
                return Ok(Err(refuse("account_id", "is required for a new contact")));
            }
        },
    };
    authorize_on(tx, ctx, found, account, Action::CreateContact).await?;
    let details = ContactDetails {
        first_name,
        last_name: row.last_name.flatten(),
        email,
        phones: match row.phones {
            Some(phones) => phones,
            None => row
                .phone
                .flatten()
                .map(|number| Phone {
                    number,
                    kind: PhoneType::Work,
                })
                .into_iter()
                .collect(),
        },
        job_role: row.title.flatten(),
        email_consent: row.consent.flatten().unwrap_or(EmailConsent::None),
        tags: row.tags.unwrap_or_default(),
        custom_fields: row.custom_fields.unwrap_or_default(),
    }
    .check()?;
    let contact = tx.insert_contact(account, &details, ctx.now).await?;
    tx.set_contact_external(contact.id(), row.external.as_ref())
        .await?;
    crate::service::enqueue_sync(tx, ctx, &[contact.id()], false).await?;
    record(
        tx,
        ctx,
        Change {
            action: "importContact",
            kind: Kind::Contact,
            id: contact.id().get(),
            before: None,
            after: Some(snapshot::contact(&contact)),
            events: vec![DomainEvent::ContactCreated(contact.id())],
        },
    )
    .await?;
    Ok(Ok((Outcome::Create, Some(contact.id().get()))))
}

async fn update(
    tx: &Tx,
    ctx: &Ctx<'_>,
    found: &mut Found,
    row: Row,
    named: Option<AccountId>,
    mut contact: Contact,
) -> Result<Applied, ApiError> {
    let id = contact.id();
    let current_account = contact.parts().account;
    authorize_on(tx, ctx, found, current_account, Action::UpdateContact).await?;
    let account = named.unwrap_or(current_account);
    if account != current_account {
        authorize_on(tx, ctx, found, account, Action::CreateContact).await?;
    }
    let current = contact.editable_details()?.clone();
    let phones = match (row.phones, row.phone) {
        (Some(phones), _) => phones,
        (None, None) => current.phones.clone(),
        (None, Some(None)) => Vec::new(),
        (None, Some(Some(number))) => {
            let mut phones = current.phones.clone();
            match phones.first_mut() {
                Some(first) if first.number == number => {}
                Some(first) => first.number = number,
                None => phones.push(Phone {
                    number,
                    kind: PhoneType::Work,
                }),
            }
            phones
        }
    };
    let details = ContactDetails {
        first_name: row.first_name.unwrap_or_else(|| current.first_name.clone()),
        last_name: row.last_name.unwrap_or_else(|| current.last_name.clone()),
        email: row.email.unwrap_or_else(|| current.email.clone()),
        phones,
        job_role: row.title.unwrap_or_else(|| current.job_role.clone()),
        email_consent: row.consent.flatten().unwrap_or(current.email_consent),
        tags: row.tags.unwrap_or_else(|| current.tags.clone()),
        custom_fields: row
            .custom_fields
            .unwrap_or_else(|| current.custom_fields.clone()),
    }
    .check()?;
    let external_changes = row
        .external
        .as_ref()
        .is_some_and(|e| contact.parts().external.as_ref() != Some(e));
    if details == current && account == current_account && !external_changes {
        return Ok(Ok((Outcome::Unchanged, Some(id.get()))));
    }
    let before = snapshot::contact(&contact);
    let version = contact.parts().version;
    contact.update(account, details, ctx.now)?;
    let saved = tx.save_contact(contact, version).await?;
    if external_changes {
        tx.set_contact_external(id, row.external.as_ref()).await?;
    }
    crate::service::enqueue_sync(tx, ctx, &[id], false).await?;
    record(
        tx,
        ctx,
        Change {
            action: "importContact",
            kind: Kind::Contact,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::contact(&saved)),
            events: vec![DomainEvent::ContactUpdated(id)],
        },
    )
    .await?;
    Ok(Ok((Outcome::Update, Some(id.get()))))
}
