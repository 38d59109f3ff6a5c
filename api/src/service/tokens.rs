use chrono::{DateTime, Duration, Utc};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::PartnerId;
use rapport_domain::permissions::{Action, Resource};
use serde_json::json;

use super::Ctx;
use super::record::{Change, record};
use crate::auth::jwt::JwtKeys;
use crate::auth::{is_token_id, partner_subject};
use crate::error::ApiError;
use crate::global_id::{self, Kind};

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

/// Issues a token scoped to one partner (admin only).
pub async fn issue_partner_token(
    ctx: &Ctx<'_>,
    keys: &JwtKeys,
    partner: PartnerId,
    valid_for_days: i64,
    max_days: i64,
) -> Result<IssuedToken, ApiError> {
    ctx.authorize(Action::ManageTokens, &Resource::Global, "partner")?;
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
    if !(1..=max_days).contains(&valid_for_days) {
        return Err(ApiError::bad_input(
            "validForDays",
            format!("must be 1 to {max_days}"),
        ));
    }
    let tx = ctx.store.begin().await?;
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
            Duration::days(valid_for_days),
            ctx.now,
        )
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    record(
        &tx,
        ctx,
        Change {
            action: "issuePartnerToken",
            kind: Kind::Partner,
            id: partner.get(),
            before: None,
            after: Some(json!({"tokenId": token_id, "expiresAt": expires_at.to_rfc3339()})),
            events: vec![DomainEvent::PartnerTokenIssued(partner)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedToken {
        token,
        token_id,
        expires_at,
    })
}

/// Revokes a token by id (admin only); it is refused from the very next request. Revoking an
/// already revoked id succeeds and changes nothing.
pub async fn revoke_token(
    ctx: &Ctx<'_>,
    token_id: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<bool, ApiError> {
    ctx.authorize(Action::ManageTokens, &Resource::Global, "token")?;
    if !is_token_id(token_id) {
        return Err(ApiError::bad_input("tokenId", "is not a token id"));
    }
    let tx = ctx.store.begin().await?;
    let new = tx
        .revoke_token(token_id, &ctx.caller.subject, expires_at, ctx.now)
        .await?;
    if new {
        record(
            &tx,
            ctx,
            Change {
                action: "revokeToken",
                kind: Kind::Partner,
                id: 0,
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
