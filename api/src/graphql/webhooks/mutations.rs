//! Webhook endpoint mutations: register, change, delete, rotate the secret, redeliver.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::super::context::state;
use super::super::error::GqlResultExt;
use super::super::ids::account_id;
use super::super::scalars::DateTimeScalar;
use super::{WebhookDeliveryNode, WebhookEndpointNode, delivery_id, endpoint_id};
use crate::events::webhooks::guard::Allowances;
use crate::service;

/// Input of `createWebhookEndpoint`.
#[derive(Debug, InputObject)]
pub struct CreateWebhookEndpointInput {
    /// Where deliveries are POSTed: `https` (plain `http` only for hosts in
    /// `events.webhooks.allow_http_hosts`), no user name or password.
    url: String,
    /// The event types to receive (see the event catalogue); empty: every type the owner may
    /// receive.
    #[graphql(default)]
    event_types: Vec<String>,
    /// Only events about this account (global id); omitted: every account the owner may read.
    account_id: Option<ID>,
    /// A note for the owner (at most 500 characters).
    description: Option<String>,
}

/// Result of `createWebhookEndpoint`.
#[derive(SimpleObject)]
pub struct CreateWebhookEndpointPayload {
    /// The new endpoint.
    webhook_endpoint: WebhookEndpointNode,
    /// The signing secret (`whsec_…`), shown only this once: verify deliveries with it.
    secret: String,
}

/// Input of `updateWebhookEndpoint`: omitted fields are unchanged.
#[derive(Debug, InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// Global id of the endpoint.
    endpoint_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
    /// New URL (same rules as at registration).
    url: Option<String>,
    /// New event types; empty: every type the owner may receive.
    event_types: Option<Vec<String>>,
    /// New account filter; null removes it.
    account_id: MaybeUndefined<ID>,
    /// New note.
    description: Option<String>,
    /// False disables the endpoint (nothing is sent; deliveries wait); true enables it again
    /// and clears its failing state.
    enabled: Option<bool>,
}

/// Result of `updateWebhookEndpoint`.
#[derive(Debug, SimpleObject)]
pub struct UpdateWebhookEndpointPayload {
    /// The endpoint as changed.
    webhook_endpoint: WebhookEndpointNode,
}

/// Input of `deleteWebhookEndpoint`.
#[derive(Debug, InputObject)]
pub struct DeleteWebhookEndpointInput {
    /// Global id of the endpoint to delete (its delivery log goes with it).
    endpoint_id: ID,
}

/// Result of `deleteWebhookEndpoint`.
#[derive(Debug, SimpleObject)]
pub struct DeleteWebhookEndpointPayload {
    /// The id of the deleted endpoint.
    deleted_endpoint_id: ID,
}

/// Input of `rotateWebhookEndpointSecret`.
#[derive(Debug, InputObject)]
pub struct RotateWebhookEndpointSecretInput {
    /// Global id of the endpoint.
    endpoint_id: ID,
    /// Hours (0 to 168) during which the old secret keeps signing alongside the new one.
    #[graphql(default = 24)]
    overlap_hours: i32,
}

/// Result of `rotateWebhookEndpointSecret`.
#[derive(SimpleObject)]
pub struct RotateWebhookEndpointSecretPayload {
    /// The endpoint.
    webhook_endpoint: WebhookEndpointNode,
    /// The new secret (`whsec_…`), shown only this once.
    secret: String,
    /// Until when the old secret also signs.
    previous_secret_expires_at: DateTimeScalar,
}

/// Input of `redeliverWebhook`.
#[derive(Debug, InputObject)]
pub struct RedeliverWebhookInput {
    /// Global id of the delivery to send again.
    delivery_id: ID,
}

/// Result of `redeliverWebhook`.
#[derive(Debug, SimpleObject)]
pub struct RedeliverWebhookPayload {
    /// The delivery, pending and due now; its next attempt is logged as manual.
    delivery: WebhookDeliveryNode,
}

// The payloads that carry a secret never print it.
impl std::fmt::Debug for CreateWebhookEndpointPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateWebhookEndpointPayload")
            .field("webhook_endpoint", &self.webhook_endpoint)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for RotateWebhookEndpointSecretPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateWebhookEndpointSecretPayload")
            .field("webhook_endpoint", &self.webhook_endpoint)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Webhook endpoint mutations.
#[derive(Debug, Default)]
pub struct WebhookMutations;

fn allowances(ctx: &Context<'_>) -> Allowances {
    Allowances::from_settings(&state(ctx).settings.events.webhooks)
}

#[Object]
impl WebhookMutations {
    /// Registers an endpoint (admins for the staff, a partner for itself); the answer holds
    /// its secret, shown only this once.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The URL, event types and filters.")] input: CreateWebhookEndpointInput,
    ) -> Result<CreateWebhookEndpointPayload> {
        let st = state(ctx);
        let account = input
            .account_id
            .as_ref()
            .map(|id| account_id("accountId", id))
            .transpose()?;
        let created = service::create_webhook_endpoint(
            &st.ctx(),
            &allowances(ctx),
            service::NewEndpoint {
                url: input.url,
                event_types: input.event_types,
                account_id: account,
                description: input.description,
            },
        )
        .await
        .gql()?;
        Ok(CreateWebhookEndpointPayload {
            webhook_endpoint: WebhookEndpointNode(created.endpoint),
            secret: created.secret,
        })
    }

    /// Changes an endpoint; enabling a disabled one clears its failing state.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint and the fields to change.")]
        input: UpdateWebhookEndpointInput,
    ) -> Result<UpdateWebhookEndpointPayload> {
        let st = state(ctx);
        let id = endpoint_id("endpointId", &input.endpoint_id)?;
        let account = match &input.account_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(account_id("accountId", v)?)),
        };
        let saved = service::update_webhook_endpoint(
            &st.ctx(),
            &allowances(ctx),
            id,
            input.expected_version,
            service::EndpointChanges {
                url: input.url,
                event_types: input.event_types,
                account_id: account,
                description: input.description,
                enabled: input.enabled,
            },
        )
        .await
        .gql()?;
        Ok(UpdateWebhookEndpointPayload {
            webhook_endpoint: WebhookEndpointNode(saved),
        })
    }

    /// Deletes an endpoint and its delivery log.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint to delete.")] input: DeleteWebhookEndpointInput,
    ) -> Result<DeleteWebhookEndpointPayload> {
        let st = state(ctx);
        let id = endpoint_id("endpointId", &input.endpoint_id)?;
        service::delete_webhook_endpoint(&st.ctx(), id)
            .await
            .gql()?;
        Ok(DeleteWebhookEndpointPayload {
            deleted_endpoint_id: input.endpoint_id,
        })
    }

    /// Gives an endpoint a new secret, shown only this once; the old one keeps signing
    /// alongside it for `overlapHours`, so receivers can switch without losing a delivery.
    async fn rotate_webhook_endpoint_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint and the overlap.")] input: RotateWebhookEndpointSecretInput,
    ) -> Result<RotateWebhookEndpointSecretPayload> {
        let st = state(ctx);
        let id = endpoint_id("endpointId", &input.endpoint_id)?;
        let rotated = service::rotate_webhook_endpoint_secret(&st.ctx(), id, input.overlap_hours)
            .await
            .gql()?;
        let until = rotated.endpoint.previous_secret_until.unwrap_or(st.now);
        Ok(RotateWebhookEndpointSecretPayload {
            webhook_endpoint: WebhookEndpointNode(rotated.endpoint),
            secret: rotated.secret,
            previous_secret_expires_at: until.into(),
        })
    }

    /// Sends a delivery again (pending, due now); the attempt is logged as manual.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery to send again.")] input: RedeliverWebhookInput,
    ) -> Result<RedeliverWebhookPayload> {
        let st = state(ctx);
        let id = delivery_id("deliveryId", &input.delivery_id)?;
        let (delivery, _) = service::redeliver_webhook(&st.ctx(), id).await.gql()?;
        Ok(RedeliverWebhookPayload {
            delivery: WebhookDeliveryNode(delivery),
        })
    }
}
