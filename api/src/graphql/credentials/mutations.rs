//! `createServiceAccount`, `createApiKey`, `revokeApiKey`, `rotateApiKey`, `rotateToken`.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use rapport_domain::ids::ServiceAccountId;
use rapport_domain::permissions::{Scope, Scopes};

use super::super::context::{RequestState, state};
use super::super::enums::{ApiScope, Role};
use super::super::error::{GqlResultExt, gql};
use super::super::ids::partner_id;
use super::super::scalars::DateTimeScalar;
use super::{ApiKeyNode, PartnerTokenNode, ServiceAccountNode, api_key_id};
use crate::auth::api_key::ApiKeys;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::{self, KeyLimits, TokenLimits};

/// Input of `createServiceAccount`.
#[derive(Debug, InputObject)]
pub struct CreateServiceAccountInput {
    /// A name for people (`Monitoring feed`), 1 to 200 characters.
    name: String,
    /// The role its keys act with; `PARTNER` for a partner's (a partner caller always gets
    /// `PARTNER` and itself).
    role: Role,
    /// The partner, for a `PARTNER` service account (global id).
    partner_id: Option<ID>,
    /// What its keys may be used for (at least one).
    scopes: Vec<ApiScope>,
}

/// Result of `createServiceAccount`.
#[derive(Debug, SimpleObject)]
pub struct CreateServiceAccountPayload {
    /// The new service account.
    service_account: ServiceAccountNode,
}

/// Input of `createApiKey`.
#[derive(Debug, InputObject)]
pub struct CreateApiKeyInput {
    /// The service account the key acts for (global id).
    service_account_id: ID,
    /// When the key stops working; omitted: never (admins only: a partner's key expires
    /// within `auth.partner_token_max_days`).
    expires_at: Option<DateTimeScalar>,
}

/// Result of `createApiKey` and `rotateApiKey`: the key is shown only this once.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The key as listed.
    api_key: ApiKeyNode,
    /// The whole key, to send as `Authorization: Bearer <key>`; shown only this once and
    /// never stored.
    key: String,
}

/// Input of `revokeApiKey`.
#[derive(Debug, InputObject)]
pub struct RevokeApiKeyInput {
    /// The key to revoke (global id).
    api_key_id: ID,
}

/// Result of `revokeApiKey`.
#[derive(Debug, SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The key as it was before the revocation.
    api_key: ApiKeyNode,
    /// False when it was already revoked.
    newly_revoked: bool,
}

/// Input of `rotateApiKey`.
#[derive(Debug, InputObject)]
pub struct RotateApiKeyInput {
    /// The key to replace (global id).
    api_key_id: ID,
    /// Hours the old key keeps working beside the new one: 0 to
    /// `auth.api_key_rotation_max_grace_hours` (168 by default).
    #[graphql(default = 24)]
    grace_hours: i32,
}

/// Result of `rotateApiKey`.
#[derive(SimpleObject)]
pub struct RotateApiKeyPayload {
    /// The new key as listed.
    api_key: ApiKeyNode,
    /// The whole new key; shown only this once.
    key: String,
    /// The old key, now expiring at the end of the grace period.
    previous_api_key: ApiKeyNode,
}

/// Input of `rotateToken`.
#[derive(Debug, InputObject)]
pub struct RotateTokenInput {
    /// The id (`jti`) of the partner token to replace, as `issuePartnerToken` or
    /// `credentials` answered it.
    token_id: String,
    /// Hours the old token keeps working beside the new one: 0 to
    /// `auth.api_key_rotation_max_grace_hours` (168 by default).
    #[graphql(default = 24)]
    grace_hours: i32,
}

/// Result of `rotateToken`: the new token is shown only this once.
#[derive(SimpleObject)]
pub struct RotateTokenPayload {
    /// The new JWT, to send as `Authorization: Bearer <token>`; shown only this once.
    token: String,
    /// The new token's id (`jti`).
    token_id: String,
    /// When the new token stops being accepted: when the old one would have.
    expires_at: DateTimeScalar,
    /// The old token, now ending at the end of the grace period.
    previous_token: PartnerTokenNode,
}

impl std::fmt::Debug for RotateTokenPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateTokenPayload")
            .field("token", &"<redacted>")
            .field("token_id", &self.token_id)
            .finish()
    }
}

// The payloads that carry a key never print it.
impl std::fmt::Debug for CreateApiKeyPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateApiKeyPayload")
            .field("api_key", &self.api_key)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for RotateApiKeyPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateApiKeyPayload")
            .field("api_key", &self.api_key)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn limits(st: &RequestState) -> KeyLimits {
    KeyLimits {
        partner_max_days: st.settings.auth.partner_token_max_days,
        max_grace_hours: st.settings.auth.api_key_rotation_max_grace_hours,
    }
}

fn api_keys<'a>(ctx: &'a Context<'_>) -> Result<&'a Arc<ApiKeys>> {
    ctx.data::<Arc<ApiKeys>>()
        .map_err(|_| gql(ApiError::Internal("API keys are not configured".into())))
}

/// Service account and API key mutations.
#[derive(Debug, Default)]
pub struct CredentialMutations;

#[Object]
impl CredentialMutations {
    /// Creates a service account: admins for staff machines and partners, a partner for
    /// itself.
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's name, role, partner and scopes.")]
        input: CreateServiceAccountInput,
    ) -> Result<CreateServiceAccountPayload> {
        let st = state(ctx);
        let partner = input
            .partner_id
            .as_ref()
            .map(|id| partner_id("partnerId", id))
            .transpose()?;
        let scopes: Vec<Scope> = input.scopes.into_iter().map(Scope::from).collect();
        if scopes.is_empty() {
            return Err(gql(ApiError::bad_input(
                "scopes",
                "name at least one scope (read-only keys take READ)",
            )));
        }
        let account = service::create_service_account(
            &st.ctx(),
            input.name,
            input.role.into(),
            partner,
            Scopes::of(&scopes),
        )
        .await
        .gql()?;
        Ok(CreateServiceAccountPayload {
            service_account: ServiceAccountNode(account),
        })
    }

    /// Creates an API key for a service account; the key is shown only in this answer.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service account and the key's expiry.")] input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let st = state(ctx);
        let account = global_id::decode(Kind::ServiceAccount, input.service_account_id.as_str())
            .ok_or_else(|| {
                gql(ApiError::bad_input(
                    "serviceAccountId",
                    "is not a ServiceAccount id",
                ))
            })?;
        let created = service::create_api_key(
            &st.ctx(),
            api_keys(ctx)?,
            ServiceAccountId::new(account),
            input.expires_at.map(|at| at.0),
            limits(st),
        )
        .await
        .gql()?;
        Ok(CreateApiKeyPayload {
            api_key: ApiKeyNode(created.key),
            key: created.secret,
        })
    }

    /// Revokes an API key: refused from the very next request, in every process.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key to revoke.")] input: RevokeApiKeyInput,
    ) -> Result<RevokeApiKeyPayload> {
        let st = state(ctx);
        let id = api_key_id("apiKeyId", &input.api_key_id)?;
        let (key, newly_revoked) = service::revoke_api_key(&st.ctx(), id).await.gql()?;
        Ok(RevokeApiKeyPayload {
            api_key: ApiKeyNode(key),
            newly_revoked,
        })
    }

    /// Replaces a partner token by a new one for the same partner, expiring when the old one
    /// would have; the old token keeps working for the grace period, then is refused. Admins
    /// rotate any registered token, a partner its own.
    async fn rotate_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token to replace and the grace period.")] input: RotateTokenInput,
    ) -> Result<RotateTokenPayload> {
        let st = state(ctx);
        let (issued, previous) = service::rotate_token(
            &st.ctx(),
            &st.keys,
            &input.token_id,
            i64::from(input.grace_hours),
            TokenLimits {
                max_days: st.settings.auth.partner_token_max_days,
                max_grace_hours: st.settings.auth.api_key_rotation_max_grace_hours,
            },
        )
        .await
        .gql()?;
        Ok(RotateTokenPayload {
            token: issued.token,
            token_id: issued.token_id,
            expires_at: issued.expires_at.into(),
            previous_token: PartnerTokenNode(previous),
        })
    }

    /// Replaces an API key by a new one for the same service account (same expiry); the old
    /// key keeps working for the grace period, then is refused.
    async fn rotate_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key to replace and the grace period.")] input: RotateApiKeyInput,
    ) -> Result<RotateApiKeyPayload> {
        let st = state(ctx);
        let id = api_key_id("apiKeyId", &input.api_key_id)?;
        let (created, previous) = service::rotate_api_key(
            &st.ctx(),
            api_keys(ctx)?,
            id,
            i64::from(input.grace_hours),
            limits(st),
        )
        .await
        .gql()?;
        Ok(RotateApiKeyPayload {
            api_key: ApiKeyNode(created.key),
            key: created.secret,
            previous_api_key: ApiKeyNode(previous),
        })
    }
}
