//! Which contact a row is about, by the import's matching order, and what else it collides
//! with; and which account it names.

use std::collections::HashMap;

use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::ids::AccountId;
use rapport_domain::values::ExternalRef;

use super::contact_row::Row;
use super::rows::{Refusal, refuse, show};
use super::{ImportOptions, MatchBy};
use crate::global_id::{self, Kind};

/// What a chunk's rows may match, looked up once for the chunk.
pub(super) struct Found {
    pub by_id: HashMap<i64, Contact>,
    pub by_external: HashMap<ExternalRef, Contact>,
    pub by_email: HashMap<String, Contact>,
    pub accounts_by_external: HashMap<ExternalRef, AccountId>,
    pub accounts: HashMap<AccountId, Option<Account>>,
}

/// The contact a row is about, by the import's matching order, and what else it collides with.
pub(super) fn matched(
    options: &ImportOptions,
    found: &Found,
    row: &Row,
) -> Result<Option<Contact>, Refusal> {
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

/// The account the row names, if it names one.
pub(super) fn named_account(found: &Found, row: &Row) -> Result<Option<AccountId>, Refusal> {
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
