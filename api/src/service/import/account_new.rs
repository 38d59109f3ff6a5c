//! New accounts without a manager: checked and authorized row by row, written together.

use rapport_domain::account::{AccountKind, AcquisitionChannel, NewAccount};
use rapport_domain::events::DomainEvent;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::{EmailDomain, ExternalRef};

use super::Outcome;
use super::account_row::Row;
use super::rows::{Refusal, refuse};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::record::{Change, record};
use crate::service::{Ctx, snapshot};
use crate::store::{NewAccountRow, Tx};

/// A new account without a manager, checked and authorized, written with the chunk's others.
#[derive(Debug, Clone)]
pub(super) struct NewImported {
    pub new: NewAccount,
    pub external: Option<ExternalRef>,
}

/// Checks and authorizes the new account a row describes (its name, kind and domains, taken
/// from the row), writing nothing: an import creates an account this way whether it is written
/// with the chunk's others or on its own.
pub(super) async fn checked(
    tx: &Tx,
    ctx: &Ctx<'_>,
    row: &mut Row,
) -> Result<Result<NewAccount, Refusal>, ApiError> {
    ctx.authorize(Action::CreateAccount, &Resource::Global, "account")?;
    let Some(name) = row.name.take() else {
        return Ok(Err(refuse("name", "is required for a new account")));
    };
    let new = NewAccount::new(
        name,
        row.kind.unwrap_or(AccountKind::Organization),
        None,
        row.domains.take().unwrap_or_default(),
        AcquisitionChannel::Other,
        None,
    )?
    .by(&ctx.caller.principal);
    let confirmed: Vec<EmailDomain> = new
        .domains
        .iter()
        .filter(|d| d.confirmed)
        .map(|d| d.domain.clone())
        .collect();
    crate::service::account_domains::refuse_confirmed_elsewhere(tx, &confirmed, None).await?;
    Ok(Ok(new))
}

/// A row's new account without a manager, checked and authorized ([`checked`]).
pub(super) async fn new_account(
    tx: &Tx,
    ctx: &Ctx<'_>,
    mut row: Row,
) -> Result<Result<NewImported, Refusal>, ApiError> {
    Ok(checked(tx, ctx, &mut row).await?.map(|new| NewImported {
        new,
        external: row.external,
    }))
}

/// Writes new accounts together (with their domains and external ids), then for each its
/// audit row and its `account.created` event.
pub(super) async fn create_many(
    tx: &Tx,
    ctx: &Ctx<'_>,
    new: &[NewImported],
) -> Result<Vec<(Outcome, Option<i64>)>, ApiError> {
    let rows: Vec<NewAccountRow<'_>> = new
        .iter()
        .map(|w| NewAccountRow {
            new: &w.new,
            external: w.external.as_ref(),
        })
        .collect();
    let made = tx.insert_accounts(&rows, ctx.now).await?;
    let mut done = Vec::with_capacity(made.len());
    for account in &made {
        record(
            tx,
            ctx,
            Change {
                action: "importAccount",
                kind: Kind::Account,
                id: account.id().get(),
                before: None,
                after: Some(snapshot::account(account)),
                events: vec![DomainEvent::AccountCreated(account.id())],
            },
        )
        .await?;
        done.push((Outcome::Create, Some(account.id().get())));
    }
    Ok(done)
}
