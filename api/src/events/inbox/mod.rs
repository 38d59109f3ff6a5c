//! The notification inbox outlet: for each published batch, gathers what the rules of
//! [`rapport_domain::notifications`] need in a few batched reads, applies them, and writes
//! one notification per member, event and kind (a replayed batch writes nothing twice).

mod facts;

use std::sync::Arc;

use async_trait::async_trait;
use rapport_domain::notifications::{Member, notices_for, recipients};

use super::{Event, Outlet};
use crate::error::ApiError;
use crate::global_id;
use crate::store::{NewNotification, Store, Tx};

/// The event types any notification rule reads; the outlet skips every other event without
/// reading anything for it.
pub const NOTIFYING_TYPES: [&str; 8] = [
    "agreement.submitted",
    "agreement.amendment_proposed",
    "agreement.metric_at_risk",
    "agreement.metric_breached",
    "agreement.notice_deadline_approaching",
    "agreement.review_due",
    "partner.referral_created",
    "webhook.endpoint_disabled",
];

/// Writes the notification inbox of every team member.
#[derive(Debug, Default)]
pub struct Inbox;

/// The inbox outlet, for the relay's outlet list.
pub fn inbox_outlet() -> Arc<dyn Outlet> {
    Arc::new(Inbox)
}

#[async_trait]
impl Outlet for Inbox {
    fn name(&self) -> &'static str {
        "inbox"
    }

    async fn publish(&self, tx: &Tx, events: &[Event]) -> Result<(), ApiError> {
        let events: Vec<&Event> = events
            .iter()
            .filter(|e| NOTIFYING_TYPES.contains(&e.event_type.as_str()))
            .collect();
        if events.is_empty() {
            return Ok(());
        }
        let world = facts::World::load(tx, &events).await?;
        let team: Vec<Member> = world
            .team
            .iter()
            .filter_map(|m| {
                Some(Member {
                    id: m.id,
                    role: m.role?,
                    active: m.active,
                })
            })
            .collect();
        let mut new = Vec::new();
        for event in events {
            let facts = world.facts_of(event);
            for notice in notices_for(&event.event_type, &facts) {
                for member in recipients(&notice.audiences, &team, facts.actor) {
                    new.push(NewNotification {
                        member,
                        kind: notice.kind,
                        title: notice.title.clone(),
                        body: notice.body.clone(),
                        subject_id: Some(global_id::encode(
                            event.aggregate_kind,
                            event.aggregate_id,
                        )),
                        event_id: event.id.clone(),
                        at: event.at,
                    });
                }
            }
        }
        let written = tx.insert_notifications(&new).await?;
        tracing::debug!(written, "inbox: notifications written");
        Ok(())
    }
}

/// Hands every outbox event (published or not) to `outlet`, in commit order, in batches of
/// `batch` events, each in its own transaction: rebuilds an outlet's record (the inbox's
/// writes are idempotent, so replaying is safe). Returns how many events were handed over.
pub async fn replay_outbox(
    store: &Store,
    outlet: &dyn Outlet,
    batch: u64,
) -> Result<usize, ApiError> {
    let mut after = 0;
    let mut total = 0;
    loop {
        let (events, last) = store.outbox_events_from(after, batch.max(1)).await?;
        if events.is_empty() {
            return Ok(total);
        }
        let tx = store.begin().await?;
        outlet.publish(&tx, &events).await?;
        tx.commit().await?;
        total += events.len();
        after = last;
    }
}
