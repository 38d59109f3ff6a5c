//! Outbound webhook endpoints: registration, changes, secret rotation, deletion and manual
//! redelivery. Admins manage the staff's endpoints, a partner its own (`ManageWebhooks`);
//! another owner's endpoint is NOT_FOUND. Every change is audited — never with a secret.

use chrono::Duration;
use rapport_domain::ids::AccountId;
use rapport_domain::permissions::{Action, Principal, Resource};
use serde_json::{Value, json};

use super::accounts::load_for;
use super::record::{Change, record};
use super::{Ctx, check_version};
use crate::error::ApiError;
use crate::events::types::event_type;
use crate::events::webhooks::guard::Allowances;
use crate::events::webhooks::sign::new_secret;
use crate::global_id::Kind;
use crate::store::{DeliveryRecord, EndpointEdit, EndpointInsert, EndpointRecord, Tx};

/// The longest overlap of a rotation, in hours (a week).
pub const MAX_OVERLAP_HOURS: i32 = 168;
const MAX_URL_CHARS: usize = 2000;
const MAX_DESCRIPTION_CHARS: usize = 500;
const MAX_EVENT_TYPES: usize = 100;

/// What a new endpoint is to be.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Where requests go.
    pub url: String,
    /// The event types it receives (empty: every type its owner may receive).
    pub event_types: Vec<String>,
    /// Only events about this account.
    pub account_id: Option<AccountId>,
    /// A note.
    pub description: Option<String>,
}

/// The fields to change (absent: unchanged).
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    /// New URL.
    pub url: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
    /// New account filter (`Some(None)` removes it).
    pub account_id: Option<Option<AccountId>>,
    /// New note.
    pub description: Option<String>,
    /// Disable, or enable again (which clears the failing state).
    pub enabled: Option<bool>,
}

/// An endpoint and its secret, shown once.
#[derive(Clone)]
pub struct WithSecret {
    /// The endpoint.
    pub endpoint: EndpointRecord,
    /// The `whsec_…` secret.
    pub secret: String,
}

impl std::fmt::Debug for WithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSecret")
            .field("endpoint", &self.endpoint)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn authorize(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    ctx.authorize(
        Action::ManageWebhooks,
        &Resource::Global,
        "webhook endpoint",
    )
}

/// The audit snapshot: everything but the secrets.
fn snapshot(e: &EndpointRecord) -> Value {
    json!({
        "url": e.url,
        "description": e.description,
        "eventTypes": e.event_types,
        "accountId": e.account_id,
        "partnerId": e.partner_id,
        "ownerMemberId": e.owner_member_id,
        "enabled": e.enabled,
        "previousSecretUntil": e.previous_secret_until.map(|t| t.to_rfc3339()),
        "version": e.version,
    })
}

fn check_url(allow: &Allowances, url: &str) -> Result<String, ApiError> {
    let url = url.trim();
    if url.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::bad_input(
            "url",
            format!("must be at most {MAX_URL_CHARS} characters"),
        ));
    }
    let (parsed, _) = allow
        .check_url(url)
        .map_err(|e| ApiError::bad_input("url", e))?;
    Ok(parsed.to_string())
}

fn check_types(principal: &Principal, types: Vec<String>) -> Result<Vec<String>, ApiError> {
    if types.len() > MAX_EVENT_TYPES {
        return Err(ApiError::bad_input(
            "eventTypes",
            format!("names at most {MAX_EVENT_TYPES} types"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(types.len());
    for name in types {
        let name = name.trim().to_owned();
        let Some(t) = event_type(&name) else {
            return Err(ApiError::bad_input(
                "eventTypes",
                format!("{name:?} is not an event type (see eventTypes)"),
            ));
        };
        if principal.partner().is_some() && !t.partners {
            return Err(ApiError::bad_input(
                "eventTypes",
                format!("{name} is not delivered to partners"),
            ));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

fn check_description(raw: Option<String>) -> Result<String, ApiError> {
    let d = raw.unwrap_or_default().trim().to_owned();
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::bad_input(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(d)
}

/// The account filter must name an account the caller may read (another partner's is
/// NOT_FOUND, as everywhere).
async fn check_account(
    tx: &Tx,
    ctx: &Ctx<'_>,
    id: Option<AccountId>,
) -> Result<Option<i64>, ApiError> {
    match id {
        None => Ok(None),
        Some(id) => {
            load_for(tx, ctx, id, Action::ReadAccount).await?;
            Ok(Some(id.get()))
        }
    }
}

async fn load(tx: &Tx, ctx: &Ctx<'_>, id: i64) -> Result<EndpointRecord, ApiError> {
    tx.load_webhook_endpoint(ctx.caller.scope(), id)
        .await?
        .ok_or(ApiError::NotFound("webhook endpoint"))
}

fn secret() -> Result<String, ApiError> {
    new_secret().map_err(|e| ApiError::Internal(e.into()))
}

/// Registers an endpoint; its secret is in the answer and nowhere else the caller can read.
pub async fn create_webhook_endpoint(
    ctx: &Ctx<'_>,
    allow: &Allowances,
    new: NewEndpoint,
) -> Result<WithSecret, ApiError> {
    authorize(ctx)?;
    let principal = ctx.caller.principal;
    let url = check_url(allow, &new.url)?;
    let event_types = check_types(&principal, new.event_types)?;
    let description = check_description(new.description)?;
    let tx = ctx.store.begin().await?;
    let account_id = check_account(&tx, ctx, new.account_id).await?;
    let (owner_member_id, partner_id) = match principal {
        Principal::Staff { member, .. } => (Some(member.get()), None),
        Principal::Partner { partner, .. } => (None, Some(partner.get())),
        // An endpoint's deliveries are projected through its owner's role; a service account
        // is no member whose role can be looked up when delivering.
        Principal::Service { .. } => return Err(ApiError::Forbidden),
    };
    let secret = secret()?;
    let endpoint = tx
        .insert_webhook_endpoint(
            EndpointInsert {
                owner_member_id,
                partner_id,
                url,
                description,
                event_types,
                account_id,
                secret: secret.clone(),
                created_by: ctx.caller.subject.clone(),
            },
            ctx.now,
        )
        .await?;
    audit(&tx, ctx, "createWebhookEndpoint", &endpoint, None).await?;
    tx.commit().await?;
    Ok(WithSecret { endpoint, secret })
}

async fn audit(
    tx: &Tx,
    ctx: &Ctx<'_>,
    action: &'static str,
    after: &EndpointRecord,
    before: Option<Value>,
) -> Result<(), ApiError> {
    record(
        tx,
        ctx,
        Change {
            action,
            kind: Kind::WebhookEndpoint,
            id: after.id,
            before,
            after: Some(snapshot(after)),
            events: Vec::new(),
        },
    )
    .await
}

/// Changes an endpoint; enabling a disabled one clears its failing state (its pending
/// deliveries go out again).
pub async fn update_webhook_endpoint(
    ctx: &Ctx<'_>,
    allow: &Allowances,
    id: i64,
    expected_version: i32,
    changes: EndpointChanges,
) -> Result<EndpointRecord, ApiError> {
    authorize(ctx)?;
    let principal = ctx.caller.principal;
    let url = changes.url.map(|u| check_url(allow, &u)).transpose()?;
    let types = changes
        .event_types
        .map(|t| check_types(&principal, t))
        .transpose()?;
    let description = changes
        .description
        .map(|d| check_description(Some(d)))
        .transpose()?;
    let tx = ctx.store.begin().await?;
    let current = load(&tx, ctx, id).await?;
    check_version(current.version, expected_version)?;
    let account_id = match changes.account_id {
        Some(a) => check_account(&tx, ctx, a).await?,
        None => current.account_id,
    };
    let enabled = changes.enabled.unwrap_or(current.enabled);
    let edit = EndpointEdit {
        url: url.unwrap_or_else(|| current.url.clone()),
        description: description.unwrap_or_else(|| current.description.clone()),
        event_types: types.unwrap_or_else(|| current.event_types.clone()),
        account_id,
        enabled,
        clear_failing: enabled && !current.enabled,
    };
    let saved = tx
        .save_webhook_endpoint(id, expected_version, edit, ctx.now)
        .await?;
    audit(
        &tx,
        ctx,
        "updateWebhookEndpoint",
        &saved,
        Some(snapshot(&current)),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Deletes an endpoint with its delivery log.
pub async fn delete_webhook_endpoint(ctx: &Ctx<'_>, id: i64) -> Result<(), ApiError> {
    authorize(ctx)?;
    let tx = ctx.store.begin().await?;
    let current = load(&tx, ctx, id).await?;
    tx.delete_webhook_endpoint(id).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "deleteWebhookEndpoint",
            kind: Kind::WebhookEndpoint,
            id,
            before: Some(snapshot(&current)),
            after: None,
            events: Vec::new(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives an endpoint a new secret; the old one keeps signing (alongside) for `overlap_hours`
/// (0 to 168).
pub async fn rotate_webhook_endpoint_secret(
    ctx: &Ctx<'_>,
    id: i64,
    overlap_hours: i32,
) -> Result<WithSecret, ApiError> {
    authorize(ctx)?;
    if !(0..=MAX_OVERLAP_HOURS).contains(&overlap_hours) {
        return Err(ApiError::bad_input(
            "overlapHours",
            format!("must be between 0 and {MAX_OVERLAP_HOURS}"),
        ));
    }
    let tx = ctx.store.begin().await?;
    let current = load(&tx, ctx, id).await?;
    let secret = secret()?;
    let until = ctx.now + Duration::hours(i64::from(overlap_hours));
    let endpoint = tx
        .rotate_webhook_secret(id, current.version, secret.clone(), until, ctx.now)
        .await?;
    audit(
        &tx,
        ctx,
        "rotateWebhookEndpointSecret",
        &endpoint,
        Some(snapshot(&current)),
    )
    .await?;
    tx.commit().await?;
    Ok(WithSecret { endpoint, secret })
}

/// Sends a delivery again: pending, due now; the dispatcher's next attempt is logged as
/// manual.
pub async fn redeliver_webhook(
    ctx: &Ctx<'_>,
    delivery_id: i64,
) -> Result<(DeliveryRecord, EndpointRecord), ApiError> {
    authorize(ctx)?;
    let tx = ctx.store.begin().await?;
    let (delivery, endpoint) = tx
        .load_webhook_delivery(ctx.caller.scope(), delivery_id)
        .await?
        .ok_or(ApiError::NotFound("webhook delivery"))?;
    if !endpoint.enabled {
        // A disabled endpoint sends nothing: asking would only look like it worked.
        return Err(ApiError::InvalidTransition {
            current: "DISABLED".to_owned(),
            message: "the webhook endpoint is disabled: re-enable it with updateWebhookEndpoint                       (enabled: true) first; its pending deliveries then resume"
                .to_owned(),
        });
    }
    tx.request_redelivery(delivery_id, ctx.now).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "redeliverWebhook",
            kind: Kind::WebhookDelivery,
            id: delivery_id,
            before: Some(json!({"state": delivery.state, "attempts": delivery.attempts})),
            after: Some(json!({"state": "pending", "endpointId": endpoint.id, "eventId": delivery.event_id})),
            events: Vec::new(),
        },
    )
    .await?;
    tx.commit().await?;
    let delivery = DeliveryRecord {
        state: "pending".to_owned(),
        next_attempt_at: ctx.now,
        manual_requested: true,
        ..delivery
    };
    Ok((delivery, endpoint))
}
