//! Loads what the items of a page will ask for before the items resolve, and feeds the
//! request's loaders with it; the items' own `load_one` calls then read the loaders' cache.
//!
//! Why: async-graphql resolves a list of more than 30 items through a `FuturesUnordered`
//! (futures' `join_all` switches to one past 30) that hands the thread back to the executor
//! every couple of items, and a DataLoader's batch window is wall-clock time. On a busy machine
//! the window could close halfway through a page and split one batch into several, so the
//! statements of a request grew with the page size. Here every key is known up front, so the
//! loads skip the window (and its spawned task) altogether: each is one statement, run at
//! once. To-one relations come in the same statement as their parent rows (contacts with
//! their accounts and the accounts' managers, see `store::joined`), so nesting them costs no
//! statement. Only what the client selected is loaded; an account's domains only when asked.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Lookahead, Result};
use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::ids::{AccountId, ContactId, PartnerId, TeamMemberId};
use rapport_domain::permissions::{Action, Resource, authorize};

use super::account::visible;
use super::context::{Cached, RequestState, state};
use super::error::GqlResultExt;
use super::loaders::LoadError;
use crate::global_id::{self, Kind};
use crate::store::Joined;

fn unique<K: Ord + Copy>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    keys.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Loads `keys` through the loader at once (no batch window: every key is known) and feeds
/// what it found into the request's cache.
pub(crate) async fn fetch<K, L>(loader: &Cached<L>, keys: Vec<K>) -> Result<HashMap<K, L::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K, Error = LoadError>,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let name = crate::traces::loader_name::<L>();
    let found = crate::traces::loader_batch(name, Some(keys.len()), loader.loader().load(&keys))
        .await
        .gql()?;
    loader.feed_many(found.clone()).await;
    Ok(found)
}

/// Whether the caller reads account managers (partners do not).
pub(crate) fn reads_team(st: &RequestState) -> bool {
    authorize(&st.caller.principal, Action::ReadTeam, &Resource::Global).is_ok()
}

/// Feeds the loaders with joined rows; answers the accounts the caller may see.
pub(crate) async fn feed(st: &RequestState, joined: Joined) -> Vec<Account> {
    let Joined {
        contacts,
        accounts,
        managers,
    } = joined;
    st.contacts
        .feed_many(contacts.into_iter().map(|c| (c.id(), c)))
        .await;
    st.team
        .feed_many(managers.into_iter().map(|m| (m.id, m)))
        .await;
    let seen: Vec<Account> = accounts
        .iter()
        .filter(|a| visible(st, a))
        .cloned()
        .collect();
    st.accounts
        .feed_many(accounts.into_iter().map(|a| (a.id(), a)))
        .await;
    seen
}

/// Reads these accounts with their managers when `selection` asks for them (one statement),
/// feeds the loaders, and answers the visible ones.
async fn accounts_by_ids(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    ids: &[AccountId],
) -> Result<Vec<Account>> {
    let st = state(ctx);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let managers = selection.field("accountManager").exists() && reads_team(st);
    let joined = st
        .store
        .accounts_with_managers(st.scope(), ids, managers)
        .await
        .gql()?;
    Ok(feed(st, joined).await)
}

/// For items that have nothing to preload.
pub(crate) async fn nothing<T>(_: &Context<'_>, _: Lookahead<'_>, _: &[T]) -> Result<()> {
    Ok(())
}

/// Whether a contact's `selection` reads its account (`relationshipType` and `interactions`
/// check it too).
fn reads_account(selection: &Lookahead<'_>) -> bool {
    selection.field("account").exists()
        || selection.field("relationshipType").exists()
        || selection.field("interactions").exists()
}

/// Preloads the accounts of these contacts (and what is selected under `account`).
pub(crate) async fn contacts(
    ctx: &Context<'_>,
    selection: Lookahead<'_>,
    items: &[Contact],
) -> Result<()> {
    interactions(ctx, &selection, items).await?;
    if !reads_account(&selection) {
        return Ok(());
    }
    let account = selection.field("account");
    let ids = unique(items.iter().map(|c| c.parts().account));
    let seen = accounts_by_ids(ctx, &account, &ids).await?;
    below_accounts(ctx, &account, &seen).await
}

/// Preloads one contact with its account (and the account's manager when selected) in one
/// statement, and what is selected under them.
pub(crate) async fn contact(
    ctx: &Context<'_>,
    selection: Lookahead<'_>,
    id: ContactId,
) -> Result<()> {
    let st = state(ctx);
    let account = selection.field("account");
    let managers = account.field("accountManager").exists() && reads_team(st);
    let joined = st
        .store
        .contacts_with_accounts(st.scope(), &[id], managers)
        .await
        .gql()?;
    let contacts = joined.contacts.clone();
    let seen = feed(st, joined).await;
    interactions(ctx, &selection, &contacts).await?;
    below_accounts(ctx, &account, &seen).await
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
        fetch(&st.interactions, keys.collect()).await?;
    }
    Ok(())
}

/// Preloads the managers of these accounts (a page of accounts), and what else is selected
/// under them.
pub(crate) async fn accounts(
    ctx: &Context<'_>,
    selection: Lookahead<'_>,
    items: &[Account],
) -> Result<()> {
    if !selection.exists() || items.is_empty() {
        return Ok(());
    }
    let st = state(ctx);
    if selection.field("accountManager").exists() && reads_team(st) {
        let ids = unique(items.iter().filter_map(Account::account_manager));
        fetch(&st.team, ids).await?;
    }
    below_accounts(ctx, &selection, items).await
}

/// Preloads the accounts of a page whose read fed the request's cache with them (and their
/// managers when selected; see `store::agreements_joined`): only accounts missing from the
/// cache are read, and what else is selected under them is preloaded.
pub(crate) async fn fed_accounts(
    ctx: &Context<'_>,
    selection: Lookahead<'_>,
    ids: &[AccountId],
) -> Result<()> {
    let st = state(ctx);
    let cached = st.accounts.get_cached_values::<AccountId>();
    let missing: Vec<AccountId> = ids
        .iter()
        .filter(|id| !cached.contains_key(id))
        .copied()
        .collect();
    let mut seen = accounts_by_ids(ctx, &selection, &missing).await?;
    seen.extend(
        ids.iter()
            .filter_map(|id| cached.get(id))
            .filter(|a| visible(st, a))
            .cloned(),
    );
    below_accounts(ctx, &selection, &seen).await
}

/// Preloads the partners, parents (with their managers), histories and domains of these
/// accounts, as selected; their managers are loaded already.
fn below_accounts<'a>(
    ctx: &'a Context<'_>,
    selection: &'a Lookahead<'_>,
    items: &'a [Account],
) -> futures_util::future::BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if !selection.exists() || items.is_empty() {
            return Ok(());
        }
        let st = state(ctx);
        let principal = &st.caller.principal;
        let partners_readable = principal.partner().is_some()
            || authorize(principal, Action::ReadPartners, &Resource::Global).is_ok();
        if selection.field("partner").exists() && partners_readable {
            let ids = unique(items.iter().filter_map(Account::partner));
            fetch(&st.partners, ids).await?;
        }
        if selection.field("domains").exists() || selection.field("domainClaims").exists() {
            fetch(&st.domains, unique(items.iter().map(Account::id))).await?;
        }
        if selection.field("relationshipHistory").exists() {
            let ids = unique(items.iter().map(Account::id));
            let histories = fetch(&st.histories, ids).await?;
            // How the actors are shown (display names, for a partner): one batch for the page.
            super::people::shown(st, histories.values().flatten().map(|c| c.actor.as_str()))
                .await?;
        }
        let parent = selection.field("parent");
        if parent.exists() {
            let ids = unique(items.iter().filter_map(|a| a.parts().parent));
            let parents = accounts_by_ids(ctx, &parent, &ids).await?;
            below_accounts(ctx, &parent, &parents).await?;
        }
        Ok(())
    })
}

/// Preloads everything `nodes(ids:)` will resolve: the objects of every kind, the accounts
/// that decide whether a contact is visible, and what is selected under them.
pub(crate) async fn nodes(ctx: &Context<'_>, ids: &[ID]) -> Result<()> {
    let st = state(ctx);
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
                | Kind::WebhookDelivery
                | Kind::ServiceAccount
                | Kind::ApiKey
                | Kind::ImportJob,
                _,
            ))
            | None => {}
        }
    }
    let selection = ctx.look_ahead();
    let account = selection.field("account");
    let contacts: Vec<ContactId> = contacts.into_iter().collect();
    let managers = account.field("accountManager").exists() && reads_team(st);
    let joined = st
        .store
        .contacts_with_accounts(st.scope(), &contacts, managers)
        .await
        .gql()?;
    let found_contacts = joined.contacts.clone();
    let their_accounts = feed(st, joined).await;
    let visible_contacts: Vec<Contact> = found_contacts
        .into_iter()
        .filter(|c| their_accounts.iter().any(|a| a.id() == c.parts().account))
        .collect();
    interactions(ctx, &selection, &visible_contacts).await?;
    below_accounts(ctx, &account, &their_accounts).await?;

    let accounts: Vec<AccountId> = accounts.into_iter().collect();
    let found_accounts = accounts_by_ids(ctx, &selection, &accounts).await?;
    if reads_team(st) {
        fetch(&st.team, team.into_iter().collect()).await?;
    }
    fetch(&st.partners, partners.into_iter().collect()).await?;
    below_accounts(ctx, &selection, &found_accounts).await
}
