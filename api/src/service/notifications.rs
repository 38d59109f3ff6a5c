//! The caller's notification inbox. Partners have no inbox: they read an empty one and may
//! not mark anything.

use rapport_domain::ids::TeamMemberId;
use rapport_domain::permissions::Principal;

use super::Ctx;
use crate::error::ApiError;
use crate::store::StoredNotification;

/// The team member whose inbox the caller reads; `None` for a partner.
pub fn inbox_owner(ctx: &Ctx<'_>) -> Option<TeamMemberId> {
    match ctx.caller.principal {
        Principal::Staff { member, .. } => Some(member),
        Principal::Service { .. } | Principal::Partner { .. } => None,
    }
}

/// A page of the caller's notifications, newest first, after the one with raw id `after`;
/// with whether more follow. Empty for a partner.
pub async fn notifications_page(
    ctx: &Ctx<'_>,
    unread_only: bool,
    after: Option<i64>,
    first: u64,
) -> Result<(Vec<StoredNotification>, bool), ApiError> {
    match inbox_owner(ctx) {
        Some(member) if first > 0 => Ok(ctx
            .store
            .notifications_page(member, unread_only, after, first)
            .await?),
        _ => Ok((Vec::new(), false)),
    }
}

/// One of the caller's own notifications by raw id; `None` for anyone else's (and always
/// for a partner).
pub async fn own_notification(
    ctx: &Ctx<'_>,
    id: i64,
) -> Result<Option<StoredNotification>, ApiError> {
    match inbox_owner(ctx) {
        Some(member) => Ok(ctx.store.notification_of(member, id).await?),
        None => Ok(None),
    }
}

/// How many of the caller's notifications are unread (0 for a partner).
pub async fn unread_notification_count(ctx: &Ctx<'_>) -> Result<u64, ApiError> {
    match inbox_owner(ctx) {
        Some(member) => Ok(ctx.store.unread_notification_count(member).await?),
        None => Ok(0),
    }
}

/// Marks the caller's notifications read: these raw ids (each must be the caller's, or
/// nothing is marked and the answer is NOT_FOUND), or all of them (`ids` = `None`). Returns
/// how many were marked and how many stay unread. FORBIDDEN for a partner.
pub async fn mark_notifications_read(
    ctx: &Ctx<'_>,
    ids: Option<&[i64]>,
) -> Result<(u64, u64), ApiError> {
    let member = inbox_owner(ctx).ok_or(ApiError::Forbidden)?;
    let marked = ctx
        .store
        .mark_notifications_read(member, ids, ctx.now)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => ApiError::NotFound("notification"),
            other => other.into(),
        })?;
    let unread = ctx.store.unread_notification_count(member).await?;
    Ok((marked, unread))
}
