//! Partner tokens (JWTs): issued by an admin for any partner or by a partner for itself,
//! registered (never the token itself), revoked, and rotated with a grace period. A partner
//! only ever reaches its own registered tokens: another partner's, and tokens outside the
//! register, do not exist for it (`NOT_FOUND`).

use chrono::{DateTime, Duration, Utc};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::PartnerId;
use serde_json::json;

use super::Ctx;
use super::credential_owner::credential_owner;
use super::record::{Change, record};
use crate::auth::jwt::JwtKeys;
use crate::auth::{is_token_id, partner_subject};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::{PartnerToken, Tx};

/// A freshly minted token. The token text is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The JWT.
    pub token: String,
    /// Its id, for revocation.
    pub token_id: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Limits of partner tokens, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct TokenLimits {
    /// Longest lifetime, in days (`auth.partner_token_max_days`).
    pub max_days: i64,
    /// Longest rotation grace period, in hours (`auth.api_key_rotation_max_grace_hours`).
    pub max_grace_hours: i64,
}

fn can_sign(keys: &JwtKeys, partner: PartnerId) -> Result<(), ApiError> {
    if keys.signing_algorithm().is_none() {
        return Err(ApiError::InvalidTransition {
            current: "VERIFY_ONLY".to_owned(),
            message: format!(
                "this server only verifies tokens (no jwt.private_key_pem): partner tokens come \
                 from your identity provider, with role=PARTNER, partner_id=<the partner's id> \
                 and sub=partner:<the partner's id> (here {})",
                partner_subject(partner)
            ),
        });
    }
    Ok(())
}

/// Mints and registers a token for an active `partner`, valid for `ttl`.
async fn mint(
    tx: &Tx,
    ctx: &Ctx<'_>,
    keys: &JwtKeys,
    partner: PartnerId,
    ttl: Duration,
) -> Result<IssuedToken, ApiError> {
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
    let partner_gid = global_id::encode(Kind::Partner, partner.get());
    let (token, token_id, expires_at) = keys
        .mint(
            &partner_subject(partner),
            "PARTNER",
            Some(&partner_gid),
            ttl,
            ctx.now,
        )
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    tx.register_token(&PartnerToken {
        token_id: token_id.clone(),
        partner,
        issued_by: ctx.caller.subject.clone(),
        created_at: ctx.now,
        expires_at,
        last_used_at: None,
        revoked_at: None,
        replaced_by: None,
    })
    .await?;
    Ok(IssuedToken {
        token,
        token_id,
        expires_at,
    })
}

/// Issues a token scoped to one partner: an admin for any partner (named), a partner for
/// itself (`partner` omitted or its own; another's answers `NOT_FOUND`).
pub async fn issue_partner_token(
    ctx: &Ctx<'_>,
    keys: &JwtKeys,
    partner: Option<PartnerId>,
    valid_for_days: i64,
    max_days: i64,
) -> Result<IssuedToken, ApiError> {
    let own = credential_owner(ctx, "token")?;
    let partner = match (own, partner) {
        (Some(mine), Some(named)) if named != mine => return Err(ApiError::NotFound("partner")),
        (Some(mine), _) => mine,
        (None, Some(named)) => named,
        (None, None) => {
            return Err(ApiError::bad_input(
                "partnerId",
                "name the partner the token acts for",
            ));
        }
    };
    can_sign(keys, partner)?;
    if !(1..=max_days).contains(&valid_for_days) {
        return Err(ApiError::bad_input(
            "validForDays",
            format!("must be 1 to {max_days} (auth.partner_token_max_days)"),
        ));
    }
    let tx = ctx.store.begin().await?;
    let issued = mint(&tx, ctx, keys, partner, Duration::days(valid_for_days)).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "issuePartnerToken",
            kind: Kind::Partner,
            id: partner.get(),
            before: None,
            after: Some(
                json!({"tokenId": issued.token_id, "expiresAt": issued.expires_at.to_rfc3339()}),
            ),
            events: vec![DomainEvent::PartnerTokenIssued(partner)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(issued)
}

/// Revokes a token by id; it is refused from the very next request. An admin revokes any
/// token id; a partner only its own registered tokens. Revoking an already revoked id
/// succeeds and changes nothing (a rotated token still in its grace period is ended now).
pub async fn revoke_token(
    ctx: &Ctx<'_>,
    token_id: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<bool, ApiError> {
    let own = credential_owner(ctx, "token")?;
    if !is_token_id(token_id) {
        return Err(ApiError::bad_input("tokenId", "is not a token id"));
    }
    let tx = ctx.store.begin().await?;
    let registered = tx.load_partner_token(ctx.caller.scope(), token_id).await?;
    if own.is_some() && registered.is_none() {
        return Err(ApiError::NotFound("token"));
    }
    let expires_at = expires_at.or(registered.as_ref().map(|t| t.expires_at));
    let new = tx
        .revoke_token(token_id, &ctx.caller.subject, expires_at, ctx.now, ctx.now)
        .await?;
    tx.mark_token_revoked(token_id, &ctx.caller.subject, ctx.now)
        .await?;
    if new {
        record(
            &tx,
            ctx,
            Change {
                action: "revokeToken",
                kind: Kind::Partner,
                id: registered.map_or(0, |t| t.partner.get()),
                before: None,
                after: Some(json!({"tokenId": token_id})),
                events: vec![DomainEvent::TokenRevoked],
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// Replaces a registered partner token by a new one for the same partner, expiring when the
/// old one did; the old one keeps working for `grace_hours` (0 to the configured bound),
/// then is refused (a revocation that takes effect at the grace end).
pub async fn rotate_token(
    ctx: &Ctx<'_>,
    keys: &JwtKeys,
    token_id: &str,
    grace_hours: i64,
    limits: TokenLimits,
) -> Result<(IssuedToken, PartnerToken), ApiError> {
    credential_owner(ctx, "token")?;
    if !is_token_id(token_id) {
        return Err(ApiError::bad_input("tokenId", "is not a token id"));
    }
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
        .load_partner_token(ctx.caller.scope(), token_id)
        .await?
        .ok_or(ApiError::NotFound("token"))?;
    can_sign(keys, old.partner)?;
    let revoked = is_revoked(&tx, ctx, &old).await?;
    if revoked || old.expires_at <= ctx.now {
        return Err(ApiError::bad_input(
            "tokenId",
            "the token is revoked or expired: issue a new one",
        ));
    }
    if old.replaced_by.is_some() {
        return Err(ApiError::bad_input(
            "tokenId",
            "the token was already rotated: rotate its replacement",
        ));
    }
    let left = old.expires_at - ctx.now;
    let max = Duration::days(limits.max_days);
    let issued = mint(&tx, ctx, keys, old.partner, left.min(max)).await?;
    // Whole seconds, like the tokens' own times.
    let until = (ctx.now + Duration::hours(grace_hours)).min(old.expires_at);
    let until = DateTime::from_timestamp(until.timestamp(), 0).unwrap_or(until);
    tx.revoke_token(
        &old.token_id,
        &ctx.caller.subject,
        Some(old.expires_at),
        ctx.now,
        until,
    )
    .await?;
    tx.retire_token(&old.token_id, until, &issued.token_id)
        .await?;
    let retired = PartnerToken {
        expires_at: until,
        replaced_by: Some(issued.token_id.clone()),
        ..old
    };
    record(
        &tx,
        ctx,
        Change {
            action: "rotateToken",
            kind: Kind::Partner,
            id: retired.partner.get(),
            before: Some(json!({
                "tokenId": retired.token_id,
                "expiresAt": until.to_rfc3339(),
            })),
            after: Some(json!({
                "tokenId": issued.token_id,
                "expiresAt": issued.expires_at.to_rfc3339(),
            })),
            events: vec![DomainEvent::PartnerTokenIssued(retired.partner)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok((issued, retired))
}

/// Whether the registered token is revoked (marked in the register, or revoked by id with a
/// time already past).
async fn is_revoked(tx: &Tx, ctx: &Ctx<'_>, token: &PartnerToken) -> Result<bool, ApiError> {
    if token.revoked_at.is_some() {
        return Ok(true);
    }
    Ok(tx
        .token_revocation(&token.token_id)
        .await?
        .is_some_and(|from| from <= ctx.now))
}
