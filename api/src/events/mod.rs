//! Events leave the outbox (DESIGN.md §1, §2 "Events"): one relay publishes them in commit
//! order and hands each batch to the outlets that keep something of their own (outbound
//! webhook deliveries, the notification inbox), inside the publishing transaction; open
//! GraphQL subscriptions follow the published stream in every process.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::Tx;

pub mod broker;
pub mod envelope;
pub mod inbox;
pub mod payload;
pub mod relay;
pub mod runner;
pub mod schema;
pub mod timing;
pub mod types;
pub mod webhooks;

pub use relay::{Relay, RelayReport};
pub use runner::{EventsHandle, EventsStep, outlets};

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A team member.
    Staff,
    /// A partner organization.
    Partner,
    /// Rapport itself (the scheduler).
    System,
}

impl ActorKind {
    /// The name stored in the outbox (`staff`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Partner => "partner",
            Self::System => "system",
        }
    }

    /// Parses a stored name; anything unknown is the system.
    pub fn parse(stored: Option<&str>) -> Self {
        match stored {
            Some("staff") => Self::Staff,
            Some("partner") => Self::Partner,
            _ => Self::System,
        }
    }
}

/// The actor of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Staff, partner or system.
    pub kind: ActorKind,
    /// The team member's or partner's raw id.
    pub id: Option<i64>,
    /// The token subject the change was made with.
    pub subject: String,
    /// A display name (the member's or partner's name; "Rapport" for the system), filled in
    /// by the relay when it publishes.
    pub name: String,
}

/// One published event, as the relay hands it to every outlet.
#[derive(Clone, PartialEq)]
pub struct Event {
    /// Publication order, assigned by the relay: gap-free growth across the fleet.
    pub seq: i64,
    /// The stable id (`evt_…`): the same on every delivery and repeat.
    pub id: String,
    /// The event type (`agreement.metric_breached`).
    pub event_type: String,
    /// The version of the type's payload.
    pub version: i32,
    /// When the change committed (the change's own time).
    pub at: DateTime<Utc>,
    /// Who caused it.
    pub actor: Actor,
    /// What the event is about.
    pub aggregate_kind: Kind,
    /// The aggregate's raw id.
    pub aggregate_id: i64,
    /// The account the aggregate belongs to, when there is one.
    pub account_id: Option<i64>,
    /// The payload as an admin may read it; outlets project it for other readers.
    pub data: Value,
}

impl fmt::Debug for Event {
    // Payloads carry personal data: logs get the envelope only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field(
                "aggregate",
                &(self.aggregate_kind.name(), self.aggregate_id),
            )
            .finish_non_exhaustive()
    }
}

impl Event {
    /// The ordering key of deliveries: events of one aggregate go out in `seq` order.
    pub fn aggregate_key(&self) -> String {
        format!("{}:{}", self.aggregate_kind.name(), self.aggregate_id)
    }
}

/// Something that keeps its own record of published events. `publish` runs inside the
/// relay's publishing transaction, once per batch, with the batch in `seq` order: what it
/// writes through `tx` commits with the publication, and an error rolls the whole batch back
/// (the relay tries it again), so an outlet never sees an event lost or half-published.
#[async_trait]
pub trait Outlet: Send + Sync + fmt::Debug {
    /// The outlet's name, for logs and metrics.
    fn name(&self) -> &'static str;

    /// Records what this outlet does with `events`.
    async fn publish(&self, tx: &Tx, events: &[Event]) -> Result<(), ApiError>;
}
