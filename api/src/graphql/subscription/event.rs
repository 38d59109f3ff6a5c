//! `eventReceived`: the published events the caller may read, as their envelope.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Json, Object, Result, Subscription};
use futures_util::Stream;
use rapport_domain::ids::AccountId;
use serde_json::Value;

use super::super::account::load_visible;
use super::super::context::state;
use super::super::error::{GqlResultExt as _, gql};
use super::super::ids::account_id as parse_account_id;
use super::super::scalars::DateTimeScalar;
use super::{broker, too_slow};
use crate::error::ApiError;
use crate::events::broker::FeedEnded;
use crate::events::{Event, envelope::envelope};

/// Most event types one `eventReceived` may name.
const MAX_TYPES: usize = 64;

/// Subscriptions to the event stream.
#[derive(Default, Debug)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Every event published from now on that the caller may read, as its envelope (a
    /// partner receives only events about the accounts it referred, with the payload a
    /// partner may read). Ends with a `TOO_SLOW` error when the client does not keep up.
    async fn event_received<'a>(
        &self,
        ctx: &Context<'a>,
        #[graphql(
            desc = "Only events of these types (`agreement.metric_breached`); every type when absent."
        )]
        types: Option<Vec<String>>,
        #[graphql(desc = "Only events about this account (its global id).")] account_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<EventNode>> + 'a> {
        let st = state(ctx);
        if let Some(types) = &types {
            if types.len() > MAX_TYPES {
                return Err(gql(ApiError::bad_input(
                    "types",
                    format!("names more than {MAX_TYPES} types"),
                )));
            }
            if let Some(bad) = types.iter().find(|t| !is_type_name(t)) {
                return Err(gql(ApiError::bad_input(
                    "types",
                    format!("`{bad}` is not an event type name like agreement.metric_breached"),
                )));
            }
        }
        let account = match &account_id {
            Some(id) => {
                let Ok(id) = parse_account_id("accountId", id) else {
                    return Err(gql(ApiError::NotFound("account")));
                };
                Some(load_visible(st, id).await?.id().get())
            }
            None => None,
        };
        let broker = broker(ctx)?;
        let feed = broker.subscribe().await.gql()?;
        let live = broker.live_guard();
        let partner = st.scope().partner().is_some();
        Ok(futures_util::stream::unfold(
            Some((feed, live)),
            move |held| {
                let types = types.clone();
                async move {
                    let (mut feed, live) = held?;
                    loop {
                        let event = match feed.next().await {
                            Ok(event) => event,
                            Err(FeedEnded::TooSlow) => return Some((Err(too_slow()), None)),
                            Err(FeedEnded::Stopped) => return None,
                        };
                        if types
                            .as_ref()
                            .is_some_and(|t| !t.iter().any(|t| *t == event.event_type))
                        {
                            continue;
                        }
                        if account.is_some() && event.account_id != account {
                            continue;
                        }
                        // A partner's events are about the accounts it referred, now: the
                        // account is read again in the partner's scope for every event.
                        if partner {
                            let Some(raw) = event.account_id else {
                                continue;
                            };
                            st.clear_caches();
                            if load_visible(st, AccountId::new(raw)).await.is_err() {
                                continue;
                            }
                        }
                        let Some(envelope) = envelope(&event, &st.caller.principal) else {
                            continue;
                        };
                        return Some((Ok(EventNode { event, envelope }), Some((feed, live))));
                    }
                }
            },
        ))
    }
}

/// Whether `name` looks like an event type (`agreement.metric_breached`).
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// Who caused an event.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum EventActorKind {
    /// A team member (partners see "Rapport team", without an id).
    Staff,
    /// A partner organization.
    Partner,
    /// Rapport itself (the scheduler).
    System,
}

/// The actor of an event, as the reader may see it.
#[derive(Debug, Clone)]
pub struct EventActor(Value);

/// The actor of an event, as the reader may see it (partners see staff as "Rapport team").
#[Object]
impl EventActor {
    /// Staff, partner or system.
    async fn kind(&self) -> EventActorKind {
        match self.0["kind"].as_str() {
            Some("STAFF") => EventActorKind::Staff,
            Some("PARTNER") => EventActorKind::Partner,
            _ => EventActorKind::System,
        }
    }

    /// The team member's or partner's global id; null for the system and, for partners, for
    /// staff.
    async fn id(&self) -> Option<ID> {
        self.0["id"].as_str().map(|s| ID(s.to_owned()))
    }

    /// A display name.
    async fn name(&self) -> String {
        self.0["name"].as_str().unwrap_or("Rapport").to_owned()
    }
}

/// One published event, as the reader may see it (the same envelope webhooks send).
#[derive(Debug, Clone)]
pub struct EventNode {
    event: Arc<Event>,
    envelope: Value,
}

/// One published event, as the reader may see it: the same envelope webhooks send.
#[Object(name = "Event")]
impl EventNode {
    /// The stable event id (`evt_…`): the same on every delivery and repeat.
    async fn id(&self) -> ID {
        ID(self.event.id.clone())
    }

    /// The event type (`agreement.metric_breached`).
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.event.event_type
    }

    /// The version of the type's payload.
    async fn version(&self) -> i32 {
        self.event.version
    }

    /// When the change happened.
    async fn timestamp(&self) -> DateTimeScalar {
        DateTimeScalar(self.event.at)
    }

    /// Who caused it.
    async fn actor(&self) -> EventActor {
        EventActor(self.envelope["actor"].clone())
    }

    /// The global id of what the event is about.
    async fn aggregate_id(&self) -> ID {
        ID(self.envelope["aggregate"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The type of what the event is about (`Agreement`).
    async fn aggregate_type(&self) -> &str {
        self.event.aggregate_kind.name()
    }

    /// The global id of the account the event is about, when there is one.
    async fn account_id(&self) -> Option<ID> {
        self.envelope["accountId"]
            .as_str()
            .map(|s| ID(s.to_owned()))
    }

    /// The payload, as the reader may see it (see the event catalogue).
    async fn data(&self) -> Json<Value> {
        Json(self.envelope["data"].clone())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn type_names_are_dotted_lowercase() {
        assert!(super::is_type_name("agreement.metric_breached"));
        for bad in ["", "Agreement.x", "a b", "a;drop"] {
            assert!(!super::is_type_name(bad), "{bad}");
        }
    }
}
