//! Staff-owned domain routing: confirming an account's domains, and refusing a domain that is
//! confirmed for another account. Only staff ever meet that refusal: a partner's domains are
//! unconfirmed claims, which collide with nobody, so its answers never reveal other accounts.

use rapport_domain::account::Account;
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::AccountId;
use rapport_domain::permissions::Action;
use rapport_domain::values::EmailDomain;

use super::Ctx;
use super::accounts::open_edit;
use super::record::{Change, record};
use super::snapshot;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::Tx;

/// CONFLICT naming the first of `domains` that is confirmed for an account other than
/// `except` (staff may read every account, so the answer names it).
pub(super) async fn refuse_confirmed_elsewhere(
    tx: &Tx,
    domains: &[EmailDomain],
    except: Option<AccountId>,
) -> Result<(), ApiError> {
    match tx
        .domains_confirmed_elsewhere(domains, except)
        .await?
        .first()
    {
        Some((domain, owner)) => Err(ApiError::Conflict(format!(
            "domain {domain} is already confirmed for account {}; a domain routes contacts to one account only",
            global_id::encode(Kind::Account, owner.get())
        ))),
        None => Ok(()),
    }
}

/// Confirms domains named for an account (claims a partner made, usually), so that new
/// contacts on them join it. For admins and the account's manager.
pub async fn confirm_account_domains(
    ctx: &Ctx<'_>,
    id: AccountId,
    domains: Vec<EmailDomain>,
    expected_version: i32,
) -> Result<Account, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut account, before) = open_edit(
        &tx,
        ctx,
        id,
        Action::ConfirmAccountDomains,
        expected_version,
    )
    .await?;
    account.confirm_domains(&domains, ctx.now)?;
    refuse_confirmed_elsewhere(&tx, &domains, Some(id)).await?;
    let saved = tx.save_account(account, expected_version).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "confirmAccountDomains",
            kind: Kind::Account,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::account(&saved)),
            events: vec![DomainEvent::AccountDomainsConfirmed(id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}
