use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use rapport_domain::ids::{AccountId, AgreementId, ContactId, PartnerId, TeamMemberId};

use super::loaders::{
    AccountLoader, ContactLoader, DisplayNameLoader, DomainsLoader, HistoryLoader,
    InteractionPagesLoader, PartnerLoader, PeriodCreditsLoader, QuarterMeasurementsLoader,
    TeamMemberLoader,
};
use crate::auth::jwt::JwtKeys;
use crate::auth::{Caller, ReadScope};
use crate::config::Settings;
use crate::service::Ctx;
use crate::store::Store;

/// A DataLoader that remembers what it loaded for the rest of the request, so a page can be
/// loaded in one batch up front (see `prime`) and its items then read from the cache.
pub type Cached<L> = DataLoader<L, HashMapCache>;

/// Everything a resolver needs for one request. Built per request, so DataLoader caches never
/// outlive it (and never serve one caller's rows to another); they are emptied before every
/// mutation, so nothing a mutation changed is served stale afterwards.
pub struct RequestState {
    /// The database.
    pub store: Store,
    /// The caller.
    pub caller: Caller,
    /// The request id.
    pub request_id: String,
    /// The time the request started.
    pub now: DateTime<Utc>,
    /// Token keys (for issuing partner tokens).
    pub keys: Arc<JwtKeys>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Contact-sync providers enabled (a contact change enqueues one job each).
    pub providers: Arc<[String]>,
    /// The registered contact-sync providers.
    pub registry: Arc<rapport_integrations::Registry>,
    /// Accounts by id.
    pub accounts: Cached<AccountLoader>,
    /// Accounts' email domains by account id.
    pub domains: Cached<DomainsLoader>,
    /// Team members by id.
    pub team: Cached<TeamMemberLoader>,
    /// Partners by id.
    pub partners: Cached<PartnerLoader>,
    /// Contacts by id.
    pub contacts: Cached<ContactLoader>,
    /// Relationship histories by account id.
    pub histories: Cached<HistoryLoader>,
    /// Measurements by agreement and quarter start (for compliance).
    pub quarter_measurements: Cached<QuarterMeasurementsLoader>,
    /// Credit-ledger entries by agreement and period start.
    pub period_credits: Cached<PeriodCreditsLoader>,
    /// Pages of interactions by contact and page.
    pub interactions: Cached<InteractionPagesLoader>,
    /// Display names of team members by subject (what partners see of a person).
    pub names: Cached<DisplayNameLoader>,
}

impl std::fmt::Debug for RequestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestState")
            .field("caller", &self.caller)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl RequestState {
    /// Builds the state of one request.
    pub fn new(
        store: Store,
        caller: Caller,
        request_id: String,
        keys: Arc<JwtKeys>,
        settings: Arc<Settings>,
        registry: Arc<rapport_integrations::Registry>,
        now: DateTime<Utc>,
    ) -> Self {
        let providers: Arc<[String]> = registry.names().iter().map(|n| (*n).to_owned()).collect();
        let delay = std::time::Duration::from_micros(settings.graphql.loader_delay_us);
        fn cached<L>(loader: L, delay: std::time::Duration) -> Cached<L>
        where
            L: Send + Sync + 'static,
        {
            DataLoader::with_cache(
                loader,
                crate::traces::loader_spawner(crate::traces::loader_name::<L>()),
                HashMapCache::default(),
            )
            .delay(delay)
        }
        // Every loader reads within the caller's scope: a partner's loaders never hold a row
        // of another partner's accounts, whatever id a query names.
        let scope = caller.scope();
        Self {
            accounts: cached(AccountLoader(store.clone(), scope), delay),
            domains: cached(DomainsLoader(store.clone(), scope), delay),
            team: cached(TeamMemberLoader(store.clone(), scope), delay),
            partners: cached(PartnerLoader(store.clone(), scope), delay),
            contacts: cached(ContactLoader(store.clone(), scope), delay),
            histories: cached(HistoryLoader(store.clone(), scope), delay),
            quarter_measurements: cached(QuarterMeasurementsLoader(store.clone(), scope), delay),
            period_credits: cached(PeriodCreditsLoader(store.clone(), scope), delay),
            interactions: cached(InteractionPagesLoader(store.clone(), scope), delay),
            names: cached(DisplayNameLoader(store.clone()), delay),
            store,
            caller,
            request_id,
            now,
            keys,
            settings,
            providers,
            registry,
        }
    }

    /// The rows this request's reads may return (the caller's scope).
    pub fn scope(&self) -> ReadScope {
        self.caller.scope()
    }

    /// Forgets every row the loaders cached (called before each mutation runs).
    pub fn clear_caches(&self) {
        self.accounts.clear::<AccountId>();
        self.domains.clear::<AccountId>();
        self.team.clear::<TeamMemberId>();
        self.partners.clear::<PartnerId>();
        self.contacts.clear::<ContactId>();
        self.histories.clear::<AccountId>();
        self.quarter_measurements
            .clear::<(AgreementId, NaiveDate)>();
        self.period_credits.clear::<(AgreementId, NaiveDate)>();
        self.interactions.clear::<super::interaction::PageKey>();
        self.names.clear::<String>();
    }

    /// The use-case context of this request.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: &self.store,
            caller: &self.caller,
            request_id: &self.request_id,
            now: self.now,
            providers: &self.providers,
            registry: Some(&self.registry),
        }
    }
}

/// The request state from a resolver context.
pub fn state<'a>(ctx: &Context<'a>) -> &'a RequestState {
    ctx.data_unchecked::<RequestState>()
}
