//! Machine credentials: service accounts and their API keys. Admins manage every one; a
//! partner (with its token or a key with the `MANAGE` scope) lists, creates, rotates and
//! revokes its own, and another partner's do not exist for it. A key's secret appears in a
//! payload once (creation, rotation) and never in a listing.

mod listing;
mod mutations;

pub use listing::{CredentialNode, PartnerTokenNode};
pub use mutations::CredentialMutations;

use async_graphql::{Context, ID, Object, Result};

use super::context::state;
use super::enums::{ApiScope, Role};
use super::error::{GqlResultExt, gql};
use super::ids::to_id;
use super::scalars::DateTimeScalar;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::{ApiKey, ServiceAccount};

/// A machine identity.
#[derive(Debug, Clone)]
pub struct ServiceAccountNode(pub ServiceAccount);

/// A machine's identity (a monitoring feed, a help desk, a partner's system): a role, for a
/// partner's its partner, and the scopes its API keys may be used for.
#[Object(name = "ServiceAccount")]
impl ServiceAccountNode {
    /// Global id, for `createApiKey`.
    async fn id(&self) -> ID {
        to_id(Kind::ServiceAccount, self.0.id.get())
    }
    /// A name for people.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The role its keys act with (`PARTNER` for a partner's).
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The partner it belongs to (global id), for a partner's.
    async fn partner_id(&self) -> Option<ID> {
        self.0.partner.map(|p| to_id(Kind::Partner, p.get()))
    }
    /// What its keys may be used for: its role narrowed by these.
    async fn scopes(&self) -> Vec<ApiScope> {
        self.0.scopes.iter().map(ApiScope::from).collect()
    }
    /// False: its keys are refused.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When it was created.
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone)]
pub struct ApiKeyNode(pub ApiKey);

/// An API key of a service account, sent as `Authorization: Bearer <key>`. Listings show its
/// public beginning, never its secret.
#[Object(name = "ApiKey")]
impl ApiKeyNode {
    /// Global id, for `revokeApiKey` and `rotateApiKey`.
    async fn id(&self) -> ID {
        to_id(Kind::ApiKey, self.0.id)
    }
    /// The key's public beginning (`rpk_live_0123456789abcdef_…`), to tell keys apart.
    async fn prefix(&self) -> String {
        Self::prefix_of(&self.0)
    }
    /// The service account it acts for.
    async fn service_account(&self) -> ServiceAccountNode {
        ServiceAccountNode(self.0.account.clone())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
    /// When it stops working, if ever (after a rotation: the end of the grace period).
    async fn expires_at(&self) -> Option<DateTimeScalar> {
        self.0.expires_at.map(Into::into)
    }
    /// When it was last used, to within a minute.
    async fn last_used_at(&self) -> Option<DateTimeScalar> {
        self.0.last_used_at.map(Into::into)
    }
    /// When it was revoked.
    async fn revoked_at(&self) -> Option<DateTimeScalar> {
        self.0.revoked_at.map(Into::into)
    }
    /// The key that replaced it in a rotation (global id).
    async fn replaced_by_id(&self) -> Option<ID> {
        self.0.replaced_by.map(|id| to_id(Kind::ApiKey, id))
    }
}

impl ApiKeyNode {
    /// A key's public beginning, as listings show it.
    pub(super) fn prefix_of(key: &ApiKey) -> String {
        let kind = if key.account.partner.is_some() {
            crate::auth::api_key::PARTNER_PREFIX
        } else {
            crate::auth::api_key::STAFF_PREFIX
        };
        format!("{kind}{}_…", key.lookup)
    }
}

/// Parses an API key id from input field `field`.
pub(super) fn api_key_id(field: &str, id: &ID) -> Result<i64> {
    global_id::decode(Kind::ApiKey, id.as_str())
        .ok_or_else(|| gql(ApiError::bad_input(field, "is not an ApiKey id")))
}

/// Credential queries.
#[derive(Debug, Default)]
pub struct CredentialQueries;

#[Object]
impl CredentialQueries {
    /// API keys, newest first (at most 200): an admin sees every key, a partner its own.
    /// Revoked and expired keys are listed too; secrets never are.
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKeyNode>> {
        let st = state(ctx);
        let keys = crate::service::api_keys(&st.ctx()).await.gql()?;
        Ok(keys.into_iter().map(ApiKeyNode).collect())
    }

    /// Every credential the caller manages, newest first: API keys and partner tokens (at
    /// most 200 of each). An admin sees every one, a partner its own (with its token, or a
    /// key holding `MANAGE`). Revoked and expired ones are listed too; secrets never are.
    /// Partner tokens issued before Rapport kept a register of them are not listed.
    async fn credentials(&self, ctx: &Context<'_>) -> Result<Vec<CredentialNode>> {
        let st = state(ctx);
        let listed = crate::service::credentials(&st.ctx()).await.gql()?;
        Ok(listed.into_iter().map(CredentialNode).collect())
    }
}
