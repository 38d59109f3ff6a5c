//! Contact rows: checked, matched (external id, then email, as the import says), then created,
//! updated, found unchanged or refused, each in its own savepoint.

use std::collections::HashMap;

use rapport_domain::account::Account;
use rapport_domain::contact::{Contact, ContactDetails, EmailConsent};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::AccountId;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::{EmailAddress, ExternalRef, Phone, PhoneNumber, PhoneType, Text};

use super::rows::{Cells, Refusal, Seen, refuse, show};
use super::{CONTACT_COLUMNS, ImportOptions, ImportReport, MatchBy, Outcome, Record, RowReport};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::accounts::account_scope;
use crate::service::record::{Change, record};
use crate::service::{Ctx, snapshot};
use crate::store::Tx;

/// A contact row as read: `None` where the file has no such column.
struct Row {
    external: Option<ExternalRef>,
    account_id: Option<AccountId>,
    account_external: Option<ExternalRef>,
    first_name: Option<Text>,
    last_name: Option<Option<Text>>,
    email: Option<Option<EmailAddress>>,
    phone: Option<Option<PhoneNumber>>,
    title: Option<Option<Text>>,
    consent: Option<Option<EmailConsent>>,
}

fn read(cells: &Cells<'_>, options: &ImportOptions) -> Result<Row, Refusal> {
    let account_id = match cells.value("account_id") {
        None => None,
        Some(v) => Some(AccountId::new(
            global_id::decode(Kind::Account, v)
                .or_else(|| v.parse::<i64>().ok().filter(|n| *n > 0))
                .ok_or_else(|| refuse("account_id", "is not an account id"))?,
        )),
    };
    Ok(Row {
        external: cells.external(options, "external_id")?,
        account_id,
        account_external: cells.external(options, "account_external_id")?,
        first_name: cells.name("first_name")?,
        last_name: cells.optional("last_name", |v| Text::name("last_name", v))?,
        email: cells.optional("email", EmailAddress::parse)?,
        phone: cells.optional("phone", PhoneNumber::parse)?,
        title: cells.optional("title", |v| Text::name("title", v))?,
        consent: cells.optional("marketing_consent", |v| {
            EmailConsent::parse(&v.to_ascii_uppercase())
        })?,
    })
}

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
struct Found {
    by_external: HashMap<ExternalRef, Contact>,
    by_email: HashMap<String, Contact>,
    accounts_by_external: HashMap<ExternalRef, AccountId>,
    accounts: HashMap<AccountId, Option<Account>>,
}

async fn look_up(tx: &Tx, rows: &[(u64, Result<Row, Refusal>)]) -> Result<Found, ApiError> {
    let ok = || rows.iter().filter_map(|(_, r)| r.as_ref().ok());
    let externals: Vec<ExternalRef> = ok().filter_map(|r| r.external.clone()).collect();
    let emails: Vec<String> = ok()
        .filter_map(|r| r.email.clone().flatten())
        .map(|e| e.normalized())
        .collect();
    let account_refs: Vec<ExternalRef> = ok().filter_map(|r| r.account_external.clone()).collect();
    Ok(Found {
        by_external: tx.contacts_by_external(&externals).await?,
        by_email: tx.live_contacts_by_email_keys(&emails).await?,
        accounts_by_external: tx.accounts_by_external(&account_refs).await?,
        accounts: HashMap::new(),
    })
}

/// Reads a row and claims its keys (a key a row before it used refuses it).
fn read_row(options: &ImportOptions, seen: &mut Seen, record: &Record) -> Result<Row, Refusal> {
    let cells = Cells {
        record,
        columns: CONTACT_COLUMNS,
    };
    read(&cells, options).and_then(|row| {
        let mut keys = Vec::new();
        if let Some(e) = &row.external {
            keys.push(("external_id", show(e)));
        }
        if let Some(Some(email)) = &row.email {
            keys.push(("email", email.normalized()));
        }
        seen.claim(record.line, &keys)?;
        Ok(row)
    })
}

/// Claims the keys of a row a job already imported (a resumed job reads those rows again to
/// find the duplicates of the rows still to come), writing nothing.
pub(super) fn remember(options: &ImportOptions, seen: &mut Seen, record: &Record) {
    let _ = read_row(options, seen, record);
}

/// Imports one chunk of contact rows in one transaction, and hands the transaction back
/// uncommitted: the caller commits it (with the job's progress, when a job runs the import)
/// or, in a dry run, drops it, which rolls it back.
pub(super) async fn import_chunk(
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    seen: &mut Seen,
    records: Vec<Record>,
    report: &mut ImportReport,
) -> Result<Tx, ApiError> {
    let rows: Vec<(u64, Result<Row, Refusal>)> = records
        .iter()
        .map(|record| (record.line, read_row(options, seen, record)))
        .collect();
    let tx = ctx.store.begin().await?;
    let mut found = look_up(&tx, &rows).await?;
    for (line, row) in rows {
        let (outcome, id) = match row {
            Err((field, reason)) => (Outcome::Refused { field, reason }, None),
            Ok(row) => {
                let point = tx.savepoint().await?;
                match one(&point, ctx, options, &mut found, row).await {
                    Ok(Ok((outcome, id))) => {
                        point.commit().await?;
                        (outcome, id)
                    }
                    Ok(Err((field, reason))) => (Outcome::Refused { field, reason }, None),
                    Err(err) => {
                        let (field, reason) = refusal(err)?;
                        (Outcome::Refused { field, reason }, None)
                    }
                }
            }
        };
        // A dry run's new ids were rolled back with it: they name nothing.
        let id = id.filter(|_| !(options.dry_run && outcome == Outcome::Create));
        report.push(RowReport { line, outcome, id });
    }
    Ok(tx)
}

/// The contact a row is about, by the import's matching order, and what else it collides with.
fn matched(options: &ImportOptions, found: &Found, row: &Row) -> Result<Option<Contact>, Refusal> {
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
            MatchBy::Domain => None,
        };
        if hit.is_some() {
            break;
        }
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
) -> Result<Result<(Outcome, Option<i64>), Refusal>, ApiError> {
    let existing = match matched(options, found, &row) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let named = match named_account(found, &row) {
        Ok(a) => a,
        Err(r) => return Ok(Err(r)),
    };
    match existing {
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
) -> Result<Result<(Outcome, Option<i64>), Refusal>, ApiError> {
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
        phones: row
            .phone
            .flatten()
            .map(|number| Phone {
                number,
                kind: PhoneType::Work,
            })
            .into_iter()
            .collect(),
        job_role: row.title.flatten(),
        email_consent: row.consent.flatten().unwrap_or(EmailConsent::None),
        tags: Default::default(),
        custom_fields: Default::default(),
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
) -> Result<Result<(Outcome, Option<i64>), Refusal>, ApiError> {
    let id = contact.id();
    let current_account = contact.parts().account;
    authorize_on(tx, ctx, found, current_account, Action::UpdateContact).await?;
    let account = named.unwrap_or(current_account);
    if account != current_account {
        authorize_on(tx, ctx, found, account, Action::CreateContact).await?;
    }
    let current = contact.editable_details()?.clone();
    let phones = match row.phone {
        None => current.phones.clone(),
        Some(None) => Vec::new(),
        Some(Some(number)) => {
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
        tags: current.tags.clone(),
        custom_fields: current.custom_fields.clone(),
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
