//! Contact rows: checked, matched (external id, then email, as the import says), then created,
//! updated, found unchanged or refused. New contacts are planned (checked and authorized)
//! first and written with the chunk's other new contacts; updates each in their savepoint.

use std::collections::HashMap;

use rapport_domain::account::Account;
use rapport_domain::contact::{Contact, ContactDetails, EmailConsent};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::{ExternalRef, Phone, PhoneType};

use super::contact_match::{Found, matched, named_account};
use super::contact_row::{Row, read};
use super::driver::{Applied, Plan, RowKind};
use super::rows::{Cells, Refusal, refuse, show};
use super::{CONTACT_COLUMNS, ImportOptions, Outcome};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::accounts::account_scope;
use crate::service::record::{Change, record};
use crate::service::{Ctx, snapshot};
use crate::store::Grown;
use crate::store::{NewContactRow, Tx};

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

/// Contact rows.
pub(super) struct Contacts;

/// A new contact, checked and authorized, to be written with the chunk's others.
#[derive(Debug, Clone)]
pub(super) struct NewContact {
    account: AccountId,
    details: ContactDetails,
    external: Option<ExternalRef>,
}

impl RowKind for Contacts {
    type Row = Row;
    type Found = Found;
    type Write = NewContact;

    const COLUMNS: &'static [&'static str] = CONTACT_COLUMNS;
    const GROWS: Grown = Grown::Contacts;

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

    async fn plan(
        tx: &Tx,
        ctx: &Ctx<'_>,
        options: &ImportOptions,
        found: &mut Found,
        row: Row,
    ) -> Result<Plan<Row, NewContact>, ApiError> {
        let existing = match matched(options, found, &row) {
            Ok(c) => c,
            Err(r) => return Ok(Plan::Done(Err(r))),
        };
        let named = match named_account(found, &row) {
            Ok(a) => a,
            Err(r) => return Ok(Plan::Done(Err(r))),
        };
        Ok(match existing {
            Some(contact) if row.erased => {
                Plan::Done(Ok((Outcome::Unchanged, Some(contact.id().get()))))
            }
            Some(_) => Plan::Alone(row),
            None => match new_contact(tx, ctx, found, row, named).await? {
                Ok(new) => Plan::Batch(new),
                Err(refusal) => Plan::Done(Err(refusal)),
            },
        })
    }

    async fn write(
        tx: &Tx,
        ctx: &Ctx<'_>,
        writes: Vec<NewContact>,
    ) -> Result<Vec<(Outcome, Option<i64>)>, ApiError> {
        create(tx, ctx, &writes).await
    }

    fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
        refusal(err)
    }
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
        None => match new_contact(tx, ctx, found, row, named).await? {
            Ok(new) => Ok(Ok(create(tx, ctx, &[new]).await?.remove(0))),
            Err(refusal) => Ok(Err(refusal)),
        },
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

/// Checks and authorizes a row's new contact, writing nothing.
async fn new_contact(
    tx: &Tx,
    ctx: &Ctx<'_>,
    found: &mut Found,
    row: Row,
    named: Option<AccountId>,
) -> Result<Result<NewContact, Refusal>, ApiError> {
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
    Ok(Ok(NewContact {
        account,
        details,
        external: row.external,
    }))
}

/// Writes new contacts together: the contacts (with their phones, tags and external ids),
/// then for each its sync jobs, its audit row and its `contact.created` event.
async fn create(
    tx: &Tx,
    ctx: &Ctx<'_>,
    new: &[NewContact],
) -> Result<Vec<(Outcome, Option<i64>)>, ApiError> {
    let rows: Vec<NewContactRow<'_>> = new
        .iter()
        .map(|n| NewContactRow {
            account: n.account,
            details: &n.details,
            external: n.external.as_ref(),
        })
        .collect();
    let made = tx.insert_contacts(&rows, ctx.now).await?;
    let ids: Vec<ContactId> = made.iter().map(Contact::id).collect();
    crate::service::enqueue_sync(tx, ctx, &ids, false).await?;
    let mut done = Vec::with_capacity(made.len());
    for contact in &made {
        record(
            tx,
            ctx,
            Change {
                action: "importContact",
                kind: Kind::Contact,
                id: contact.id().get(),
                before: None,
                after: Some(snapshot::contact(contact)),
                events: vec![DomainEvent::ContactCreated(contact.id())],
            },
        )
        .await?;
        done.push((Outcome::Create, Some(contact.id().get())));
    }
    Ok(done)
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
