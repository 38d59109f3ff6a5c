//! Service accounts and their API keys: admins create them for staff machines and for
//! partners; a partner lists, creates, rotates and revokes its own (another partner's do not
//! exist for it: they answer NOT_FOUND). A key's secret is returned once, at creation or
//! rotation, and never stored.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::{PartnerId, ServiceAccountId};
use rapport_domain::permissions::Scopes;
use rapport_domain::role::Role;
use serde_json::json;

use super::Ctx;
use super::credential_owner::credential_owner;
use super::record::{Change, record};
use crate::auth::api_key::{ApiKeys, KeyKind};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::{ApiKey, NewApiKey, NewServiceAccount, ServiceAccount};

/// A key just made: the whole key, shown once.
#[derive(Clone)]
pub struct CreatedKey {
    /// The key as stored and listed.
    pub key: ApiKey,
    /// The whole key (`rpk_live_…`, `rpp_live_…`).
    pub secret: String,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Limits of keys, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct KeyLimits {
    /// Longest lifetime of a key a partner creates, in days (`auth.partner_token_max_days`).
    pub partner_max_days: i64,
    /// Longest grace period of a rotation, in hours.
    pub max_grace_hours: i64,
}

/// Creates a service account. For a partner caller it is always its own, with role
/// `PARTNER`; an admin names the role, and for a `PARTNER` role the partner.
pub async fn create_service_account(
    ctx: &Ctx<'_>,
    name: String,
    role: Role,
    partner: Option<PartnerId>,
    scopes: Scopes,
) -> Result<ServiceAccount, ApiError> {
    let own = credential_owner(ctx, "apiKey")?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_input("name", "must be 1 to 200 characters"));
    }
    let partner = match (own, partner) {
        (Some(mine), Some(named)) if named != mine => {
            return Err(ApiError::NotFound("partner"));
        }
        (Some(mine), _) => Some(mine),
        (None, named) => named,
    };
    match (role, partner) {
        (Role::Partner, None) => {
            return Err(ApiError::bad_input(
                "partnerId",
                "a PARTNER service account names its partner",
            ));
        }
        (role, Some(_)) if role != Role::Partner => {
            return Err(ApiError::bad_input(
                "role",
                "a partner's service account has the role PARTNER",
            ));
        }
        _ => {}
    }
    let tx = ctx.store.begin().await?;
    if let Some(partner) = partner {
        let found = tx
            .load_partner(partner)
            .await?
            .ok_or(ApiError::NotFound("partner"))?;
        if !found.active {
            return Err(ApiError::bad_input(
                "partnerId",
                "the partner is deactivated",
            ));
        }
    }
    let account = tx
        .insert_service_account(
            NewServiceAccount {
                name,
                role,
                partner,
                scopes,
                created_by: ctx.caller.subject.clone(),
            },
            ctx.now,
        )
        .await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createServiceAccount",
            kind: Kind::ServiceAccount,
            id: account.id.get(),
            before: None,
            after: Some(json!({
                "name": account.name,
                "role": account.role.as_str(),
                "scopes": account.scopes.to_wire(),
                "partnerId": account.partner.map(PartnerId::get),
            })),
            events: vec![],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

fn check_expiry(
    own: Option<PartnerId>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    limits: KeyLimits,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    if expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::bad_input("expiresAt", "must be in the future"));
    }
    if own.is_some() {
        let latest = now + Duration::days(limits.partner_max_days);
        return match expires_at {
            Some(at) if at <= latest => Ok(Some(at)),
            _ => Err(ApiError::bad_input(
                "expiresAt",
                format!(
                    "a partner's key expires within {} days (auth.partner_token_max_days)",
                    limits.partner_max_days
                ),
            )),
        };
    }
    Ok(expires_at)
}

/// Creates a key for a service account (a partner: for one of its own).
pub async fn create_api_key(
    ctx: &Ctx<'_>,
    keys: &ApiKeys,
    account: ServiceAccountId,
    expires_at: Option<DateTime<Utc>>,
    limits: KeyLimits,
) -> Result<CreatedKey, ApiError> {
    let own = credential_owner(ctx, "apiKey")?;
    let expires_at = check_expiry(own, expires_at, ctx.now, limits)?;
    let tx = ctx.store.begin().await?;
    let found = tx
        .load_service_account(ctx.caller.scope(), account)
        .await?
        .ok_or(ApiError::NotFound("serviceAccount"))?;
    if !found.active {
        return Err(ApiError::bad_input(
            "serviceAccountId",
            "the service account is deactivated",
        ));
    }
    let created = insert_key(&tx, ctx, keys, &found, expires_at).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createApiKey",
            kind: Kind::ServiceAccount,
            id: found.id.get(),
            before: None,
            after: Some(key_audit(&created.key)),
            events: vec![],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

async fn insert_key(
    tx: &crate::store::Tx,
    ctx: &Ctx<'_>,
    keys: &ApiKeys,
    account: &ServiceAccount,
    expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedKey, ApiError> {
    let kind = if account.partner.is_some() {
        KeyKind::Partner
    } else {
        KeyKind::Staff
    };
    let minted = keys.mint(kind);
    let id = tx
        .insert_api_key(
            NewApiKey {
                account: account.id,
                lookup: minted.lookup.clone(),
                secret_hash: minted.secret_hash,
                created_by: ctx.caller.subject.clone(),
                expires_at,
            },
            ctx.now,
        )
        .await?;
    Ok(CreatedKey {
        key: ApiKey {
            id,
            account: account.clone(),
            lookup: minted.lookup,
            created_at: ctx.now,
            created_by: ctx.caller.subject.clone(),
            expires_at,
            last_used_at: None,
            revoked_at: None,
            replaced_by: None,
        },
        secret: minted.key,
    })
}

fn key_audit(key: &ApiKey) -> serde_json::Value {
    json!({
        "apiKeyId": key.id,
        "lookup": key.lookup,
        "expiresAt": key.expires_at.map(|at| at.to_rfc3339()),
    })
}

/// The keys the caller may see: an admin every key, a partner its own.
pub async fn api_keys(ctx: &Ctx<'_>) -> Result<Vec<ApiKey>, ApiError> {
    credential_owner(ctx, "apiKey")?;
    Ok(ctx.store.api_keys(ctx.caller.scope()).await?)
}

/// Revokes a key: refused from the very next request. Revoking a revoked key changes
/// nothing and answers false.
pub async fn revoke_api_key(ctx: &Ctx<'_>, id: i64) -> Result<(ApiKey, bool), ApiError> {
    credential_owner(ctx, "apiKey")?;
    let tx = ctx.store.begin().await?;
    let key = tx
        .load_api_key(ctx.caller.scope(), id)
        .await?
        .ok_or(ApiError::NotFound("apiKey"))?;
    let new = tx.revoke_api_key(id, &ctx.caller.subject, ctx.now).await?;
    if new {
        record(
            &tx,
            ctx,
            Change {
                action: "revokeApiKey",
                kind: Kind::ServiceAccount,
                id: key.account.id.get(),
                before: None,
                after: Some(key_audit(&key)),
                events: vec![],
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((key, new))
}

/// Replaces a key by a new one for the same account, with the same expiry; the old one
/// keeps working for `grace_hours` (0 to the configured bound), then is refused.
pub async fn rotate_api_key(
    ctx: &Ctx<'_>,
    keys: &ApiKeys,
    id: i64,
    grace_hours: i64,
    limits: KeyLimits,
) -> Result<(CreatedKey, ApiKey), ApiError> {
    credential_owner(ctx, "apiKey")?;
    if !(0..=limits.max_grace_hours).contains(&grace_hours) {
        return Err(ApiError::bad_input(
            "graceHours",
            format!(
                "must be 0 to {} (auth.api_key_rotation_max_grace_hours)",
                limits.max_grace_hours
            ),
        ));
    }
    let tx = ctx.store.begin().await?;
    let old = tx
        .load_api_key(ctx.caller.scope(), id)
        .await?
        .ok_or(ApiError::NotFound("apiKey"))?;
    if old.revoked_at.is_some() || old.expires_at.is_some_and(|at| at <= ctx.now) {
        return Err(ApiError::bad_input(
            "apiKeyId",
            "the key is revoked or expired: create a new one",
        ));
    }
    if old.replaced_by.is_some() {
        return Err(ApiError::bad_input(
            "apiKeyId",
            "the key was already rotated: rotate its replacement",
        ));
    }
    let created = insert_key(&tx, ctx, keys, &old.account, old.expires_at).await?;
    let until = ctx.now + Duration::hours(grace_hours);
    let until = old.expires_at.map_or(until, |at| at.min(until));
    tx.retire_api_key(old.id, until, created.key.id).await?;
    let retired = ApiKey {
        expires_at: Some(until),
        replaced_by: Some(created.key.id),
        ..old
    };
    record(
        &tx,
        ctx,
        Change {
            action: "rotateApiKey",
            kind: Kind::ServiceAccount,
            id: retired.account.id.get(),
            before: Some(key_audit(&retired)),
            after: Some(key_audit(&created.key)),
            events: vec![],
        },
    )
    .await?;
    tx.commit().await?;
    Ok((created, retired))
}
