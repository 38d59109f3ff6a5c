//! Loads what the items of a page will ask for, one batch per loader, before the items
//! resolve.
//!
//! Why: async-graphql resolves a list of more than 30 items through a `FuturesUnordered`
//! (futures' `join_all` switches to one past 30) that hands the thread back to the executor
//! every couple of items, and a DataLoader's batch window is wall-clock time. On a busy machine
//! the window could close halfway through a page and split one batch into several, so the
//! statements of a request grew with the page size. `load_many` puts every key of the page
//! into one batch; the items' own `load_one` calls then read the request's loader cache. Only
//! what the client selected is loaded.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, Lookahead, Result};
use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::ids::{AccountId, ContactId, PartnerId, TeamMemberId};
use rapport_domain::permissions::{Action, Resource, authorize};

use super::account::visible;
use super::context::state;
use super::error::GqlResultExt;
use crate::global_id::{self, Kind};

fn unique<K: Ord + Copy>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    keys.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// For items that have nothing to preload.
pub(crate) async fn nothing<T>(_: &Context<'_>, _: Lookahead<'_>, _: &[T]) -> Result<()> {
    Ok(())
}

/// Preloads the accounts of these contacts (and what is selected under `account`).
pub(crate) async fn contacts(
    ctx: &Context<'_>,
    selection: Lookahead<'_>,
    items: &[Contact],
) -> Result<()> {
    contacts_selection(ctx, &selection, items).await
}

async fn contacts_selection(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    items: &[Contact],
) -> Result<()> {
    interactions(ctx, selection, items).await?;
    let account = selection.field("account");
    // `interactions` checks that the caller may read the contact's account.
    if !account.exists()
        && !selection.field("relationshipType").exists()
        && !selection.field("interactions").exists()
    {
        return Ok(());
    }
    let st = state(ctx);
    let ids = unique(items.iter().map(|c| c.parts().account));
    let loaded = st.accounts.load_many(ids).await.gql()?;
    let seen: Vec<Account> = loaded.into_values().filter(|a| visible(st, a)).collect();
    accounts(ctx, account, &seen).await
}

/// Preloads the selected page of interactions of every contact, one statement per distinct
/// page (the same `first`/`after` for each contact is one statement for the whole list).
async fn interactions(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    items: &[Contact],
) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let st = state(ctx);
    for field in selection.field("interactions").selection_fields() {
        let (mut first, mut after, mut last, mut before, mut order) =
            (None, None, None, None, None);
        for (name, value) in field.arguments()? {
            match (name.as_str(), value) {
                ("first", async_graphql::Value::Number(n)) => {
                    first = n.as_i64().and_then(|n| i32::try_from(n).ok());
                }
                ("after", async_graphql::Value::String(cursor)) => after = Some(cursor),
                ("last", async_graphql::Value::Number(n)) => {
                    last = n.as_i64().and_then(|n| i32::try_from(n).ok());
                }
                ("before", async_graphql::Value::String(cursor)) => before = Some(cursor),
                ("orderBy", value @ async_graphql::Value::List(_)) => {
                    order = <Vec<super::interaction::InteractionOrder> as async_graphql::InputType>::parse(Some(value)).ok();
                }
                _ => {}
            }
        }
        // A bad argument is reported by the field itself.
        let Ok(page) = super::interaction::interaction_page(first, after, last, before, order)
        else {
            continue;
        };
        let keys = items.iter().map(|c| (c.id(), page));
        st.interactions.load_many(keys).await.gql()?;
    }
    Ok(())
}

/// Preloads the managers, partners, parents and histories of these accounts, as selected.
pub(crate) async fn accounts(
    ctx: &Context<'_>,
    selection: Lookahead<'_>,
    items: &[Account],
) -> Result<()> {
    if !selection.exists() || items.is_empty() {
        return Ok(());
    }
    let st = state(ctx);
    let principal = &st.caller.principal;
    if selection.field("accountManager").exists()
        && authorize(principal, Action::ReadTeam, &Resource::Global).is_ok()
    {
        let ids = unique(items.iter().filter_map(Account::account_manager));
        st.team.load_many(ids).await.gql()?;
    }
    let partners_readable = principal.partner().is_some()
        || authorize(principal, Action::ReadPartners, &Resource::Global).is_ok();
    if selection.field("partner").exists() && partners_readable {
        let ids = unique(items.iter().filter_map(Account::partner));
        st.partners.load_many(ids).await.gql()?;
    }
    if selection.field("parent").exists() {
        let ids = unique(items.iter().filter_map(|a| a.parts().parent));
        st.accounts.load_many(ids).await.gql()?;
    }
    if selection.field("relationshipHistory").exists() {
        let ids = unique(items.iter().map(Account::id));
        let histories = st.histories.load_many(ids).await.gql()?;
        // How the actors are shown (display names, for a partner): one batch for the page.
        super::people::shown(st, histories.values().flatten().map(|c| c.actor.as_str())).await?;
    }
    Ok(())
}

/// Preloads everything `nodes(ids:)` will resolve: the objects of every kind, the accounts
/// that decide whether a contact is visible, and what is selected under them.
pub(crate) async fn nodes(ctx: &Context<'_>, ids: &[ID]) -> Result<()> {
    let st = state(ctx);
    let principal = &st.caller.principal;
    let (mut accounts, mut contacts, mut team, mut partners) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    for id in ids {
        match global_id::decode_any(id.as_str()) {
            Some((Kind::Account, raw)) => {
                accounts.insert(AccountId::new(raw));
            }
            Some((Kind::Contact, raw)) => {
                contacts.insert(ContactId::new(raw));
            }
            Some((Kind::TeamMember, raw)) => {
                team.insert(TeamMemberId::new(raw));
            }
            Some((Kind::Partner, raw)) => {
                partners.insert(PartnerId::new(raw));
            }
            Some((
                Kind::AuditEntry
                | Kind::Agreement
                | Kind::Interaction
                | Kind::Notification
                | Kind::WebhookEndpoint
                | Kind::WebhookDelivery,
                _,
            ))
            | None => {}
        }
    }
    let found_contacts = st.contacts.load_many(contacts).await.gql()?;
    accounts.extend(found_contacts.values().map(|c| c.parts().account));
    let found_accounts = st.accounts.load_many(accounts).await.gql()?;
    if authorize(principal, Action::ReadTeam, &Resource::Global).is_ok() {
        st.team.load_many(team).await.gql()?;
    }
    st.partners.load_many(partners).await.gql()?;

    let selection = ctx.look_ahead();
    let visible_contacts: Vec<Contact> = found_contacts
        .into_values()
        .filter(|c| {
            found_accounts
                .get(&c.parts().account)
                .is_some_and(|a| visible(st, a))
        })
        .collect();
    contacts_selection(ctx, &selection, &visible_contacts).await?;
    let visible_accounts: Vec<Account> = found_accounts
        .into_values()
        .filter(|a| visible(st, a))
        .collect();
    self::accounts(ctx, selection, &visible_accounts).await
}
