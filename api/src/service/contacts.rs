use rapport_domain::contact::{Contact, ContactDetails, EmailConsent};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::{AccountId, ContactId};
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::{CustomFields, EmailAddress, Phone, Tags, Text};

use super::accounts::{account_scope, load_for};
use super::record::{Change, record};
use super::{Ctx, check_version, snapshot};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::Tx;

/// Resolves the account of a new contact: the one given, or the one the email's domain is
/// confirmed for. Unconfirmed claims (a partner's) never route: staff own routing.
async fn resolve_account(
    tx: &Tx,
    given: Option<AccountId>,
    email: Option<&EmailAddress>,
) -> Result<AccountId, ApiError> {
    if let Some(id) = given {
        return Ok(id);
    }
    if let Some(email) = email
        && let Some(id) = tx.account_for_domain(&email.domain()).await?
    {
        return Ok(id);
    }
    Err(ApiError::bad_input(
        "accountId",
        "is required unless the email's domain is confirmed for an account",
    ))
}

async fn ensure_email_free(
    tx: &Tx,
    email: Option<&EmailAddress>,
    except: Option<ContactId>,
) -> Result<(), ApiError> {
    if let Some(email) = email
        && tx.email_in_use(email, except).await?
    {
        return Err(ApiError::bad_input(
            "email",
            "is already used by another contact",
        ));
    }
    Ok(())
}

/// Loads a contact and checks the caller may perform `action` on it (through its account).
async fn load_contact_for(
    tx: &Tx,
    ctx: &Ctx<'_>,
    id: ContactId,
    action: Action,
) -> Result<Contact, ApiError> {
    let contact = tx
        .load_contact(id)
        .await?
        .ok_or(ApiError::NotFound("contact"))?;
    let account = tx
        .load_account(contact.parts().account)
        .await?
        .ok_or(ApiError::NotFound("contact"))?;
    let scope = Resource::Account(account_scope(&account));
    ctx.authorize(Action::ReadContact, &scope, "contact")?;
    ctx.authorize(action, &scope, "contact")?;
    Ok(contact)
}

/// Adds a contact to an account (given, or found by the email's domain).
pub async fn create_contact(
    ctx: &Ctx<'_>,
    account: Option<AccountId>,
    details: ContactDetails,
) -> Result<Contact, ApiError> {
    let details = details.check()?;
    let tx = ctx.store.begin().await?;
    let account = resolve_account(&tx, account, details.email.as_ref()).await?;
    load_for(&tx, ctx, account, Action::CreateContact)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::bad_input("accountId", "no such account"),
            other => other,
        })?;
    ensure_email_free(&tx, details.email.as_ref(), None).await?;
    let contact = tx.insert_contact(account, &details, ctx.now).await?;
    super::enqueue_sync(&tx, ctx, &[contact.id()], false).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createContact",
            kind: Kind::Contact,
            id: contact.id().get(),
            before: None,
            after: Some(snapshot::contact(&contact)),
            events: vec![DomainEvent::ContactCreated(contact.id())],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(contact)
}

/// The details an update may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ContactChanges {
    /// Move to another account.
    pub account: Option<AccountId>,
    /// New first name.
    pub first_name: Option<Text>,
    /// New last name (`Some(None)` clears it).
    pub last_name: Option<Option<Text>>,
    /// New email (`Some(None)` clears it).
    pub email: Option<Option<EmailAddress>>,
    /// New phones (replace all).
    pub phones: Option<Vec<Phone>>,
    /// New job role (`Some(None)` clears it).
    pub job_role: Option<Option<Text>>,
    /// New consent.
    pub email_consent: Option<EmailConsent>,
    /// New tags (replace all).
    pub tags: Option<Tags>,
    /// New custom fields (replace all).
    pub custom_fields: Option<CustomFields>,
}

/// Edits a contact, or moves it to another account the caller may edit.
pub async fn update_contact(
    ctx: &Ctx<'_>,
    id: ContactId,
    expected_version: i32,
    changes: ContactChanges,
) -> Result<Contact, ApiError> {
    let tx = ctx.store.begin().await?;
    let mut contact = load_contact_for(&tx, ctx, id, Action::UpdateContact).await?;
    check_version(contact.parts().version, expected_version)?;
    let before = snapshot::contact(&contact);
    let current = contact.editable_details()?.clone();
    let account = changes.account.unwrap_or(contact.parts().account);
    if account != contact.parts().account {
        load_for(&tx, ctx, account, Action::CreateContact)
            .await
            .map_err(|e| match e {
                ApiError::NotFound(_) => ApiError::bad_input("accountId", "no such account"),
                other => other,
            })?;
    }
    let details = ContactDetails {
        first_name: changes.first_name.unwrap_or(current.first_name),
        last_name: changes.last_name.unwrap_or(current.last_name),
        email: changes.email.unwrap_or(current.email),
        phones: changes.phones.unwrap_or(current.phones),
        job_role: changes.job_role.unwrap_or(current.job_role),
        email_consent: changes.email_consent.unwrap_or(current.email_consent),
        tags: changes.tags.unwrap_or(current.tags),
        custom_fields: changes.custom_fields.unwrap_or(current.custom_fields),
    };
    ensure_email_free(&tx, details.email.as_ref(), Some(id)).await?;
    if let Some(old) = current_email_if_changing(&contact, details.email.as_ref()) {
        // An email-keyed provider may hold the old address even if no delivery of it was
        // confirmed to us (a lost answer, a crash): the next sync then renames that member
        // instead of creating a second one beside it.
        for provider in ctx.providers {
            let keyed = ctx
                .registry
                .and_then(|r| r.get(provider))
                .and_then(|p| p.provider().email_key(&old))
                .is_some();
            if keyed {
                tx.keep_possible_address(provider, id, old.as_str()).await?;
            }
        }
    }
    contact.update(account, details, ctx.now)?;
    let saved = tx.save_contact(contact, expected_version).await?;
    super::enqueue_sync(&tx, ctx, &[id], false).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "updateContact",
            kind: Kind::Contact,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::contact(&saved)),
            events: vec![DomainEvent::ContactUpdated(id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// The contact's address when `new` replaces it with another one (or removes it).
fn current_email_if_changing(
    contact: &Contact,
    new: Option<&rapport_domain::values::EmailAddress>,
) -> Option<rapport_domain::values::EmailAddress> {
    let old = contact.parts().details.as_ref()?.email.clone()?;
    let same = new.is_some_and(|new| new.normalized() == old.normalized());
    (!same).then_some(old)
}

/// Right to be forgotten: drops the contact's personal data, scrubs it from the audit log and
/// outbox history, and keeps a tombstone. The audit row of the erasure itself holds no
/// personal data.
pub async fn erase_contact(
    ctx: &Ctx<'_>,
    id: ContactId,
    expected_version: Option<i32>,
) -> Result<Contact, ApiError> {
    let tx = ctx.store.begin().await?;
    let mut contact = load_contact_for(&tx, ctx, id, Action::EraseContact).await?;
    let version = contact.parts().version;
    if let Some(expected) = expected_version {
        check_version(version, expected)?;
    }
    // What each provider needs to find its copy once the address is gone, kept before the
    // address is: an upsert that reached the provider but was never recorded (a timeout, a
    // crash) left no key of its own.
    let email = contact
        .parts()
        .details
        .as_ref()
        .and_then(|d| d.email.clone());
    for provider in ctx.providers {
        let key = email.as_ref().and_then(|email| {
            ctx.registry
                .and_then(|r| r.get(provider))
                .and_then(|p| p.provider().email_key(email))
        });
        tx.keep_erasure_key(provider, id, key.as_deref()).await?;
    }
    contact.erase(ctx.now)?;
    let saved = tx.save_contact(contact, version).await?;
    tx.scrub_history(Kind::Contact.name(), id.get()).await?;
    // Calls and the receipts of its webhook events are personal data too.
    tx.delete_interactions_of(id).await?;
    tx.delete_webhook_receipts_of(id).await?;
    super::enqueue_sync(&tx, ctx, &[id], true).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "eraseContact",
            kind: Kind::Contact,
            id: id.get(),
            before: None,
            after: Some(snapshot::contact(&saved)),
            events: vec![DomainEvent::ContactErased(id)],
        },
    )
    .await?;
    tx.commit().await?;
    if let Err(err) = ctx.store.checkpoint_after_erasure().await {
        // The erasure is committed; the log is folded back on the next checkpoint anyway.
        tracing::warn!(error = %err, "could not checkpoint the write-ahead log after an erasure");
    }
    Ok(saved)
}
