//! Account rows: checked, matched (external id, then domain, as the import says), then
//! created, updated, found unchanged or refused. New accounts without a manager are planned
//! (checked and authorized) first and written with the chunk's others; every other row in its
//! own savepoint. A row may make the account a client with a past `client_since`: the
//! relationship history then shows the promotion at that date, its actor the import and who
//! ran it.

use chrono::{NaiveDate, TimeZone as _, Utc};
use rapport_domain::account::{Account, NamedBy, RelationshipType};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::AccountId;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::team::TeamMember;
use rapport_domain::values::{EmailAddress, EmailDomain, ExternalRef, Text};

use super::account_match::{Found, matched};
use super::account_new::{NewImported, create_many, new_account};
use super::account_row::{Row, read};
use super::driver::{Applied, Plan, RowKind};
use super::rows::{Cells, Refusal, refuse, show};
use super::{ACCOUNT_COLUMNS, ImportOptions, Outcome};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::accounts::account_scope;
use crate::service::record::{Change, record};
use crate::service::{Ctx, snapshot};
use crate::store::Grown;
use crate::store::Tx;

fn column(field: &str) -> &str {
    match field {
        "externalId" => "external_id",
        "domains" => "domain",
        "accountManagerId" => "account_manager_email",
        "relationshipType" => "relationship_type",
        other => other,
    }
}

fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
    Ok(match err {
        ApiError::BadUserInput { field, message } => (column(&field).to_owned(), message),
        ApiError::NotFound(what) => refuse("row", format!("{what} not found")),
        ApiError::Forbidden => refuse("row", "you may not make this change"),
        ApiError::Conflict(m) => refuse("domain", m),
        ApiError::InvalidTransition { message, .. } => refuse("relationship_type", message),
        other @ (ApiError::Unauthenticated | ApiError::Internal(_)) => return Err(other),
    })
}

/// Account rows.
pub(super) struct Accounts;

impl RowKind for Accounts {
    type Row = Row;
    type Found = Found;
    type Write = NewImported;

    const COLUMNS: &'static [&'static str] = ACCOUNT_COLUMNS;
    const GROWS: Grown = Grown::Accounts;

    fn read(cells: &Cells<'_>, options: &ImportOptions) -> Result<Row, Refusal> {
        read(cells, options)
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        if let Some(e) = &row.external {
            keys.push(("external_id", show(e)));
        }
        for d in row.domains.iter().flatten() {
            keys.push(("domain", d.as_str().to_owned()));
        }
        keys
    }

    async fn look_up(tx: &Tx, _ctx: &Ctx<'_>, rows: &[&Row]) -> Result<Found, ApiError> {
        let externals: Vec<ExternalRef> = rows.iter().filter_map(|r| r.external.clone()).collect();
        let domains: Vec<String> = rows
            .iter()
            .flat_map(|r| r.domains.iter().flatten())
            .map(|d| d.as_str().to_owned())
            .collect();
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.own.map(|o| o.id)).collect();
        Ok(Found {
            created_at: tx.accounts_created_at(&ids).await?,
            by_external: tx.accounts_by_external(&externals).await?,
            by_domain: tx.accounts_by_domains(&domains).await?,
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
    ) -> Result<Plan<Row, NewImported>, ApiError> {
        match matched(options, found, &row) {
            Err(r) => Ok(Plan::Done(Err(r))),
            // A manager makes a new account's first history: it is applied on its own.
            Ok(Some(_)) => Ok(Plan::Alone(row)),
            Ok(None) if row.manager.is_some() => Ok(Plan::Alone(row)),
            Ok(None) => Ok(match new_account(tx, ctx, row).await? {
                Ok(new) => Plan::Batch(new),
                Err(refusal) => Plan::Done(Err(refusal)),
            }),
        }
    }

    async fn write(
        tx: &Tx,
        ctx: &Ctx<'_>,
        writes: Vec<NewImported>,
    ) -> Result<Vec<(Outcome, Option<i64>)>, ApiError> {
        create_many(tx, ctx, &writes).await
    }

    fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
        refusal(err)
    }
}

async fn manager(tx: &Tx, email: Option<&EmailAddress>) -> Result<Option<TeamMember>, ApiError> {
    let Some(email) = email else { return Ok(None) };
    tx.team_member_by_email(email)
        .await?
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_input("account_manager_email", "no team member has this email")
        })
}

/// The actor of what an import changes: the import, with who ran it.
fn actor(ctx: &Ctx<'_>) -> String {
    format!("import by {}", ctx.caller.subject)
}

/// Makes `account` a client, kept in its history at `client_since` (or now), as imported.
async fn promote(
    tx: &Tx,
    ctx: &Ctx<'_>,
    account: &mut Account,
    manager: &TeamMember,
    since: Option<NaiveDate>,
) -> Result<DomainEvent, ApiError> {
    ctx.authorize(
        Action::PromoteToClient,
        &Resource::Promotion {
            account: account_scope(account),
            manager: manager.id,
        },
        "account",
    )?;
    let reason = match since {
        Some(d) => format!("imported: a client since {d}"),
        None => "imported as a client".to_owned(),
    };
    let mut change = account.promote_to_client(
        manager,
        Text::reason("reason", &reason)?,
        &actor(ctx),
        ctx.now,
    )?;
    if let Some(d) = since {
        if d > ctx.now.date_naive() {
            return Err(ApiError::bad_input(
                "client_since",
                "must not be in the future",
            ));
        }
        change.at = Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    }
    tx.insert_relationship_change(account.id(), &change).await?;
    Ok(DomainEvent::AccountPromoted {
        account: account.id(),
        reason,
    })
}

async fn one(
    tx: &Tx,
    ctx: &Ctx<'_>,
    options: &ImportOptions,
    found: &Found,
    row: Row,
) -> Result<Applied, ApiError> {
    let hit = match matched(options, found, &row) {
        Ok(h) => h,
        Err(r) => return Ok(Err(r)),
    };
    let manager = manager(tx, row.manager.as_ref()).await?;
    match hit {
        None => create(tx, ctx, row, manager.as_ref()).await,
        Some(id) => update(tx, ctx, row, manager.as_ref(), id).await,
    }
}

async fn create(
    tx: &Tx,
    ctx: &Ctx<'_>,
    row: Row,
    manager: Option<&TeamMember>,
) -> Result<Applied, ApiError> {
    let mut row = row;
    let new = match super::account_new::checked(tx, ctx, &mut row).await? {
        Ok(new) => new,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut account = tx.insert_account(&new, ctx.now).await?;
    tx.set_account_external(account.id(), row.external.as_ref())
        .await?;
    let mut events = vec![DomainEvent::AccountCreated(account.id())];
    if row.relationship == Some(RelationshipType::Client)
        && let Some(manager) = manager
    {
        events.push(promote(tx, ctx, &mut account, manager, row.client_since).await?);
        account = tx.save_account(account, 1).await?;
    } else if let Some(manager) = manager {
        account.assign_account_manager(Some(manager), ctx.now)?;
        account = tx.save_account(account, 1).await?;
    }
    record(
        tx,
        ctx,
        Change {
            action: "importAccount",
            kind: Kind::Account,
            id: account.id().get(),
            before: None,
            after: Some(snapshot::account(&account)),
            events,
        },
    )
    .await?;
    Ok(Ok((Outcome::Create, Some(account.id().get()))))
}

async fn update(
    tx: &Tx,
    ctx: &Ctx<'_>,
    row: Row,
    manager: Option<&TeamMember>,
    id: AccountId,
) -> Result<Applied, ApiError> {
    let mut account = tx
        .load_account(id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let scope = Resource::Account(account_scope(&account));
    ctx.authorize(Action::ReadAccount, &scope, "account")?;
    ctx.authorize(Action::UpdateAccount, &scope, "account")?;
    let before = snapshot::account(&account);
    let version = account.parts().version;
    let p = account.parts().clone();
    let mut events = Vec::new();
    let name = row.name.unwrap_or_else(|| p.name.clone());
    let current_domains: Vec<EmailDomain> = p.domains.iter().map(|d| d.domain.clone()).collect();
    let domains = row.domains.unwrap_or_else(|| current_domains.clone());
    let same_domains = {
        let mut a: Vec<&str> = domains.iter().map(EmailDomain::as_str).collect();
        let mut b: Vec<&str> = current_domains.iter().map(EmailDomain::as_str).collect();
        a.sort_unstable();
        a.dedup();
        b.sort_unstable();
        a == b
    };
    let kind = row.kind.unwrap_or(p.kind);
    if name != p.name || kind != p.kind || !same_domains {
        account.update_details(
            name,
            kind,
            p.parent,
            domains,
            NamedBy::of(&ctx.caller.principal),
            p.acquisition_channel,
            ctx.now,
        )?;
        let confirmed: Vec<EmailDomain> = account.confirmed_domains().cloned().collect();
        crate::service::account_domains::refuse_confirmed_elsewhere(tx, &confirmed, Some(id))
            .await?;
        events.push(DomainEvent::AccountUpdated(id));
    }
    match (p.relationship, row.relationship, manager) {
        (RelationshipType::Customer, Some(RelationshipType::Client), Some(m)) => {
            events.push(promote(tx, ctx, &mut account, m, row.client_since).await?);
        }
        (RelationshipType::Client, Some(RelationshipType::Customer), _) => {
            return Ok(Err(refuse(
                "relationship_type",
                "an import does not demote a client to a customer; use demoteToCustomer",
            )));
        }
        (_, _, Some(m)) if p.account_manager != Some(m.id) => {
            ctx.authorize(
                Action::AssignAccountManager,
                &Resource::Assignment {
                    account: account_scope(&account),
                    manager: Some(m.id),
                },
                "account",
            )?;
            account.assign_account_manager(Some(m), ctx.now)?;
            events.push(DomainEvent::AccountManagerAssigned(id));
        }
        _ => {}
    }
    let external_changes = row
        .external
        .as_ref()
        .is_some_and(|e| p.external.as_ref() != Some(e));
    if events.is_empty() && !external_changes {
        return Ok(Ok((Outcome::Unchanged, Some(id.get()))));
    }
    if events.is_empty() {
        events.push(DomainEvent::AccountUpdated(id));
    }
    let saved = tx.save_account(account, version).await?;
    if external_changes {
        tx.set_account_external(id, row.external.as_ref()).await?;
    }
    // Contacts carry the account's relationship type and name to providers.
    let contacts = tx.contact_ids_of_account(id).await?;
    crate::service::enqueue_sync(tx, ctx, &contacts, false).await?;
    record(
        tx,
        ctx,
        Change {
            action: "importAccount",
            kind: Kind::Account,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::account(&saved)),
            events,
        },
    )
    .await?;
    Ok(Ok((Outcome::Update, Some(id.get()))))
}
