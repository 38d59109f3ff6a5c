use rapport_domain::account::{
    Account, AccountKind, AcquisitionChannel, AgreementInForce, NamedBy, NewAccount,
};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::{AccountId, TeamMemberId};
use rapport_domain::permissions::{AccountScope, Action, Principal, Resource};
use rapport_domain::team::TeamMember;
use rapport_domain::values::{EmailDomain, Text};

use super::record::{Change, record};
use super::{Ctx, check_version, snapshot};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::Tx;

pub fn account_scope(account: &Account) -> AccountScope {
    AccountScope {
        partner: account.partner(),
        manager: account.account_manager(),
        relationship: account.relationship(),
        created_by: account.created_by(),
    }
}

/// Loads an account and checks the caller may perform `action` on it; an account the caller
/// may not see is NOT_FOUND, exactly like one that does not exist.
pub(crate) async fn load_for(
    tx: &Tx,
    ctx: &Ctx<'_>,
    id: AccountId,
    action: Action,
) -> Result<Account, ApiError> {
    let account = tx
        .load_account(id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    ctx.authorize(
        Action::ReadAccount,
        &Resource::Account(account_scope(&account)),
        "account",
    )?;
    ctx.authorize(
        action,
        &Resource::Account(account_scope(&account)),
        "account",
    )?;
    Ok(account)
}

/// Checks that `parent` exists and is visible to the caller; reported against `parentId`.
async fn check_parent(tx: &Tx, ctx: &Ctx<'_>, parent: Option<AccountId>) -> Result<(), ApiError> {
    let Some(parent) = parent else { return Ok(()) };
    let visible = match tx.load_account(parent).await? {
        Some(p) => ctx
            .authorize(
                Action::ReadAccount,
                &Resource::Account(account_scope(&p)),
                "account",
            )
            .is_ok(),
        None => false,
    };
    if visible {
        Ok(())
    } else {
        Err(ApiError::bad_input("parentId", "no such account"))
    }
}

async fn load_manager(tx: &Tx, id: TeamMemberId) -> Result<TeamMember, ApiError> {
    tx.load_team_member(id)
        .await?
        .ok_or_else(|| ApiError::bad_input("accountManagerId", "no such team member"))
}

/// The agreement in force for an account, if any (it blocks demotion, named in the error).
async fn agreement_in_force(
    tx: &Tx,
    id: AccountId,
    today: chrono::NaiveDate,
) -> Result<Option<AgreementInForce>, ApiError> {
    Ok(tx
        .agreements_in_force_for(id)
        .await?
        .iter()
        .find_map(|a| a.agreement_in_force(super::agreements::reference(a.id()), today)))
}

/// Creates an account (always as a customer). A partner's accounts are always referred by the
/// partner itself.
pub async fn create_account(ctx: &Ctx<'_>, new: NewAccount) -> Result<Account, ApiError> {
    ctx.authorize(Action::CreateAccount, &Resource::Global, "account")?;
    // Staff-named domains are confirmed; a partner's stay unconfirmed claims, which route
    // nothing and collide with nobody, so its answer never depends on other accounts.
    let mut new = new.by(&ctx.caller.principal);
    if let Principal::Partner { partner, .. } = ctx.caller.principal {
        if new.partner.is_some_and(|p| p != partner) {
            return Err(ApiError::bad_input(
                "partnerId",
                "a partner can only refer accounts to itself",
            ));
        }
        new.partner = Some(partner);
        new.acquisition_channel = AcquisitionChannel::Partner;
    }
    let tx = ctx.store.begin().await?;
    check_parent(&tx, ctx, new.parent).await?;
    if let Some(partner) = new.partner
        && tx.load_partner(partner).await?.is_none()
    {
        return Err(ApiError::bad_input("partnerId", "no such partner"));
    }
    let confirmed: Vec<EmailDomain> = new
        .domains
        .iter()
        .filter(|d| d.confirmed)
        .map(|d| d.domain.clone())
        .collect();
    super::account_domains::refuse_confirmed_elsewhere(&tx, &confirmed, None).await?;
    let account = tx.insert_account(&new, ctx.now).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createAccount",
            kind: Kind::Account,
            id: account.id().get(),
            before: None,
            after: Some(snapshot::account(&account)),
            events: std::iter::once(DomainEvent::AccountCreated(account.id()))
                .chain(
                    new.partner
                        .map(|partner| DomainEvent::PartnerReferralCreated {
                            account: account.id(),
                            partner,
                        }),
                )
                .collect(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// The details an update may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    /// New name.
    pub name: Option<Text>,
    /// New kind.
    pub kind: Option<AccountKind>,
    /// New parent (`Some(None)` removes it).
    pub parent: Option<Option<AccountId>>,
    /// New domains (replaces all).
    pub domains: Option<Vec<EmailDomain>>,
    /// New acquisition channel.
    pub acquisition_channel: Option<AcquisitionChannel>,
}

/// Edits an account's details.
pub async fn update_account(
    ctx: &Ctx<'_>,
    id: AccountId,
    expected_version: i32,
    changes: AccountChanges,
) -> Result<Account, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut account, before) =
        open_edit(&tx, ctx, id, Action::UpdateAccount, expected_version).await?;
    let p = account.parts().clone();
    let parent = changes.parent.unwrap_or(p.parent);
    if parent != p.parent {
        check_parent(&tx, ctx, parent).await?;
        if let Some(parent) = parent
            && creates_cycle(&tx, id, parent).await?
        {
            return Err(ApiError::bad_input(
                "parentId",
                "would make the account its own ancestor",
            ));
        }
    }
    account.update_details(
        changes.name.unwrap_or(p.name),
        changes.kind.unwrap_or(p.kind),
        parent,
        changes
            .domains
            .unwrap_or_else(|| p.domains.into_iter().map(|d| d.domain).collect()),
        NamedBy::of(&ctx.caller.principal),
        changes.acquisition_channel.unwrap_or(p.acquisition_channel),
        ctx.now,
    )?;
    let confirmed: Vec<EmailDomain> = account.confirmed_domains().cloned().collect();
    super::account_domains::refuse_confirmed_elsewhere(&tx, &confirmed, Some(id)).await?;
    finish(
        tx,
        ctx,
        account,
        expected_version,
        "updateAccount",
        before,
        DomainEvent::AccountUpdated(id),
    )
    .await
}

async fn creates_cycle(tx: &Tx, id: AccountId, parent: AccountId) -> Result<bool, ApiError> {
    let mut cursor = Some(parent);
    let mut steps = 0;
    while let Some(current) = cursor {
        if current == id {
            return Ok(true);
        }
        steps += 1;
        if steps > 64 {
            return Ok(true);
        }
        cursor = tx
            .load_account(current)
            .await?
            .and_then(|a| a.parts().parent);
    }
    Ok(false)
}

/// Opens an edit of an account: loaded, authorized for `action`, checked against
/// `expected_version`, with its snapshot for the audit log.
pub(super) async fn open_edit(
    tx: &Tx,
    ctx: &Ctx<'_>,
    id: AccountId,
    action: Action,
    expected_version: i32,
) -> Result<(Account, serde_json::Value), ApiError> {
    let account = load_for(tx, ctx, id, action).await?;
    check_version(account.parts().version, expected_version)?;
    let before = snapshot::account(&account);
    Ok((account, before))
}

/// Saves an edited account, records the audit row and the event, and commits.
async fn finish(
    tx: Tx,
    ctx: &Ctx<'_>,
    account: Account,
    expected_version: i32,
    action: &'static str,
    before: serde_json::Value,
    event: DomainEvent,
) -> Result<Account, ApiError> {
    let saved = tx.save_account(account, expected_version).await?;
    // Contacts carry the account's relationship type and name to providers.
    let contacts = tx.contact_ids_of_account(saved.id()).await?;
    super::enqueue_sync(&tx, ctx, &contacts, false).await?;
    record(
        &tx,
        ctx,
        Change {
            action,
            kind: Kind::Account,
            id: saved.id().get(),
            before: Some(before),
            after: Some(snapshot::account(&saved)),
            events: vec![event],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Customer → client with a named manager and a reason; kept in the relationship history.
pub async fn promote_to_client(
    ctx: &Ctx<'_>,
    id: AccountId,
    manager: TeamMemberId,
    reason: Text,
    expected_version: i32,
) -> Result<Account, ApiError> {
    let tx = ctx.store.begin().await?;
    let mut account = tx
        .load_account(id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let scope = account_scope(&account);
    ctx.authorize(Action::ReadAccount, &Resource::Account(scope), "account")?;
    ctx.authorize(
        Action::PromoteToClient,
        &Resource::Promotion {
            account: scope,
            manager,
        },
        "account",
    )?;
    check_version(account.parts().version, expected_version)?;
    let manager = load_manager(&tx, manager).await?;
    let before = snapshot::account(&account);
    let change = account.promote_to_client(&manager, reason, &ctx.caller.subject, ctx.now)?;
    tx.insert_relationship_change(id, &change).await?;
    finish(
        tx,
        ctx,
        account,
        expected_version,
        "promoteToClient",
        before,
        DomainEvent::AccountPromoted {
            account: id,
            reason: change.reason.as_str().to_owned(),
        },
    )
    .await
}

/// Client → customer, refused while an agreement is in force.
pub async fn demote_to_customer(
    ctx: &Ctx<'_>,
    id: AccountId,
    reason: Text,
    expected_version: i32,
) -> Result<Account, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut account, before) =
        open_edit(&tx, ctx, id, Action::DemoteToCustomer, expected_version).await?;
    let in_force = agreement_in_force(&tx, id, ctx.now.date_naive()).await?;
    let change =
        account.demote_to_customer(reason, in_force.as_ref(), &ctx.caller.subject, ctx.now)?;
    tx.insert_relationship_change(id, &change).await?;
    finish(
        tx,
        ctx,
        account,
        expected_version,
        "demoteToCustomer",
        before,
        DomainEvent::AccountDemoted {
            account: id,
            reason: change.reason.as_str().to_owned(),
        },
    )
    .await
}

/// Names (or, for customers, removes) the account manager.
pub async fn assign_account_manager(
    ctx: &Ctx<'_>,
    id: AccountId,
    manager: Option<TeamMemberId>,
    expected_version: i32,
) -> Result<Account, ApiError> {
    let tx = ctx.store.begin().await?;
    let mut account = tx
        .load_account(id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let scope = account_scope(&account);
    ctx.authorize(Action::ReadAccount, &Resource::Account(scope), "account")?;
    ctx.authorize(
        Action::AssignAccountManager,
        &Resource::Assignment {
            account: scope,
            manager,
        },
        "account",
    )?;
    check_version(account.parts().version, expected_version)?;
    let before = snapshot::account(&account);
    let manager = match manager {
        Some(m) => Some(load_manager(&tx, m).await?),
        None => None,
    };
    account.assign_account_manager(manager.as_ref(), ctx.now)?;
    finish(
        tx,
        ctx,
        account,
        expected_version,
        "assignAccountManager",
        before,
        DomainEvent::AccountManagerAssigned(id),
    )
    .await
}

/// Marks an account churned; refused while an agreement is in force, naming it.
pub async fn churn_account(
    ctx: &Ctx<'_>,
    id: AccountId,
    expected_version: i32,
) -> Result<Account, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut account, before) =
        open_edit(&tx, ctx, id, Action::ChurnAccount, expected_version).await?;
    let in_force = agreement_in_force(&tx, id, ctx.now.date_naive()).await?;
    account.churn(in_force.as_ref(), ctx.now)?;
    finish(
        tx,
        ctx,
        account,
        expected_version,
        "churnAccount",
        before,
        DomainEvent::AccountChurned(id),
    )
    .await
}
