//! The webhook fan-out: an [`Outlet`] that turns each published event into one pending
//! delivery per matching endpoint, with the body as that endpoint's owner may read the event.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use rapport_domain::ids::{PartnerId, TeamMemberId};
use rapport_domain::permissions::{Principal, Scopes};

use crate::error::ApiError;
use crate::events::envelope::envelope;
use crate::events::{Event, Outlet};
use crate::store::{NewDelivery, Tx, WebhookEndpointRow};

/// Creates webhook deliveries for published events.
#[derive(Debug, Default)]
pub struct WebhookFanout;

/// An endpoint with what it accepts, parsed once per batch.
struct Target {
    endpoint: WebhookEndpointRow,
    types: HashSet<String>,
    owner: Option<Principal>,
}

impl Target {
    /// Whether `event` goes to this endpoint; `partner_of` gives an account's referring partner.
    fn wants(&self, event: &Event, partner_of: &HashMap<i64, Option<i64>>) -> bool {
        if !self.types.is_empty() && !self.types.contains(&event.event_type) {
            return false;
        }
        if let Some(account) = self.endpoint.account_id
            && event.account_id != Some(account)
        {
            return false;
        }
        if let Some(partner) = self.endpoint.partner_id {
            let referred = event
                .account_id
                .and_then(|a| partner_of.get(&a).copied().flatten());
            if referred != Some(partner) {
                return false;
            }
        }
        true
    }
}

/// The event types an endpoint accepts (empty: all); an unreadable list accepts nothing.
fn accepted_types(endpoint: &WebhookEndpointRow) -> Option<HashSet<String>> {
    match serde_json::from_str::<Vec<String>>(&endpoint.event_types) {
        Ok(types) => Some(types.into_iter().collect()),
        Err(err) => {
            tracing::error!(endpoint = endpoint.id, error = %err, "webhook endpoint has unreadable event types; skipped");
            None
        }
    }
}

#[async_trait]
impl Outlet for WebhookFanout {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    async fn publish(&self, tx: &Tx, events: &[Event]) -> Result<(), ApiError> {
        if events.is_empty() {
            return Ok(());
        }
        let endpoints = tx.enabled_webhook_endpoints().await?;
        if endpoints.is_empty() {
            return Ok(());
        }
        let owners: Vec<i64> = endpoints
            .iter()
            .filter(|e| e.partner_id.is_none())
            .filter_map(|e| e.owner_member_id)
            .collect();
        let roles = tx.active_member_roles(&owners).await?;
        let targets: Vec<Target> = endpoints
            .into_iter()
            .filter_map(|endpoint| {
                let types = accepted_types(&endpoint)?;
                let owner = match (endpoint.partner_id, endpoint.owner_member_id) {
                    (Some(partner), _) => Some(Principal::Partner {
                        partner: PartnerId::new(partner),
                        scopes: Scopes::ALL,
                    }),
                    (None, Some(member)) => roles.get(&member).map(|role| Principal::Staff {
                        member: TeamMemberId::new(member),
                        role: *role,
                    }),
                    (None, None) => None,
                };
                Some(Target {
                    endpoint,
                    types,
                    owner,
                })
            })
            .collect();
        let partner_of = if targets.iter().any(|t| t.endpoint.partner_id.is_some()) {
            let mut accounts: Vec<i64> = events.iter().filter_map(|e| e.account_id).collect();
            accounts.sort_unstable();
            accounts.dedup();
            tx.partners_of_accounts(&accounts).await?
        } else {
            HashMap::new()
        };
        let mut deliveries = Vec::new();
        let now = chrono::Utc::now();
        for event in events {
            for target in &targets {
                // An owner who left (deactivated) receives nothing until someone takes over.
                let Some(owner) = &target.owner else {
                    continue;
                };
                if !target.wants(event, &partner_of) {
                    continue;
                }
                let Some(body) = envelope(event, owner) else {
                    continue;
                };
                deliveries.push(NewDelivery {
                    endpoint_id: target.endpoint.id,
                    event_id: event.id.clone(),
                    event_seq: event.seq,
                    event_type: event.event_type.clone(),
                    aggregate_key: event.aggregate_key(),
                    body: body.to_string(),
                    now,
                });
            }
        }
        tx.insert_webhook_deliveries(deliveries).await?;
        Ok(())
    }
}
