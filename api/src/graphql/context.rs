use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use chrono::{DateTime, Utc};

use super::loaders::{AccountLoader, PartnerLoader, TeamMemberLoader};
use crate::auth::Caller;
use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::service::Ctx;
use crate::store::Store;

/// Everything a resolver needs for one request. Built per request, so DataLoader caches never
/// outlive it (and never serve one caller's rows to another).
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
    /// Accounts by id.
    pub accounts: DataLoader<AccountLoader>,
    /// Team members by id.
    pub team: DataLoader<TeamMemberLoader>,
    /// Partners by id.
    pub partners: DataLoader<PartnerLoader>,
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
        now: DateTime<Utc>,
    ) -> Self {
        let delay = std::time::Duration::from_micros(settings.graphql.loader_delay_us);
        Self {
            accounts: DataLoader::new(AccountLoader(store.clone()), tokio::spawn).delay(delay),
            team: DataLoader::new(TeamMemberLoader(store.clone()), tokio::spawn).delay(delay),
            partners: DataLoader::new(PartnerLoader(store.clone()), tokio::spawn).delay(delay),
            store,
            caller,
            request_id,
            now,
            keys,
            settings,
        }
    }

    /// The use-case context of this request.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: &self.store,
            caller: &self.caller,
            request_id: &self.request_id,
            now: self.now,
        }
    }
}

/// The request state from a resolver context.
pub fn state<'a>(ctx: &Context<'a>) -> &'a RequestState {
    ctx.data_unchecked::<RequestState>()
}
