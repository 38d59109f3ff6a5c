use rapport_domain::events::DomainEvent;
use rapport_domain::permissions::Principal;
use serde_json::Value;

use super::Ctx;
use crate::error::ApiError;
use crate::events::payload;
use crate::global_id::Kind;
use crate::store::{AuditRecord, OutboxRecord, Tx};

/// The subject the scheduler acts as: its events have the system as their actor.
pub(crate) const SYSTEM_SUBJECT: &str = "scheduler";

/// A new event id: `evt_` and 32 hex digits of a random UUID (ids never reveal how many
/// events there are).
fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

/// What one mutation changed, for the audit log and the outbox.
#[derive(Debug)]
pub(crate) struct Change {
    pub action: &'static str,
    pub kind: Kind,
    pub id: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub events: Vec<DomainEvent>,
}

fn event_subject(event: &DomainEvent) -> Option<(Kind, i64)> {
    use DomainEvent as E;
    match event {
        E::AccountCreated(id)
        | E::AccountUpdated(id)
        | E::AccountPromoted { account: id, .. }
        | E::AccountDemoted { account: id, .. }
        | E::AccountManagerAssigned(id)
        | E::AccountChurned(id)
        | E::AccountDomainsConfirmed(id)
        | E::PartnerReferralCreated { account: id, .. } => Some((Kind::Account, id.get())),
        E::ContactCreated(id) | E::ContactUpdated(id) | E::ContactErased(id) => {
            Some((Kind::Contact, id.get()))
        }
        E::TeamMemberCreated(id) | E::TeamMemberUpdated(id) => Some((Kind::TeamMember, id.get())),
        E::PartnerCreated(id) | E::PartnerUpdated(id) | E::PartnerTokenIssued(id) => {
            Some((Kind::Partner, id.get()))
        }
        E::TokenRevoked => None,
        event => event.agreement().map(|id| (Kind::Agreement, id.get())),
    }
}

/// Writes the audit row and every outbox event of a change, inside the change's transaction.
pub(crate) async fn record(tx: &Tx, ctx: &Ctx<'_>, change: Change) -> Result<(), ApiError> {
    let payloads: Vec<Value> = change
        .events
        .iter()
        .map(|e| payload::data(e, change.before.as_ref(), change.after.as_ref()))
        .collect();
    tx.audit(AuditRecord {
        actor: ctx.caller.subject.clone(),
        action: change.action,
        entity_type: change.kind.name(),
        entity_id: change.id,
        before: change.before,
        after: change.after,
        request_id: ctx.request_id.to_owned(),
        at: ctx.now,
    })
    .await?;
    let (actor_kind, actor_id) = match ctx.caller.principal {
        _ if ctx.caller.subject == SYSTEM_SUBJECT => ("system", None),
        Principal::Staff { member, .. } => ("staff", Some(member.get())),
        Principal::Service { account, .. } => ("service", Some(account.get())),
        Principal::Partner { partner, .. } => ("partner", Some(partner.get())),
    };
    for (event, payload) in change.events.iter().zip(payloads) {
        let (kind, id) = event_subject(event).unwrap_or((change.kind, change.id));
        tx.outbox_of_aggregate(
            kind.name(),
            id,
            OutboxRecord {
                event_type: event.kind(),
                entity_type: kind.name(),
                entity_id: id.to_string(),
                payload,
                at: ctx.now,
                event_id: new_event_id(),
                version: i32::try_from(event.info().version).unwrap_or(1),
                actor_kind,
                actor_id,
                actor_subject: ctx.caller.subject.clone(),
                account_id: None,
            },
        )
        .await?;
    }
    Ok(())
}
