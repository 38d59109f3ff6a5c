//! Call events from a telephony provider, recorded as interactions.

use chrono::{DateTime, Utc};
use rapport_domain::values::PhoneNumber;
use serde_json::json;

use super::{WebhookOutcome, system_caller};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::Ctx;
use crate::service::record::{Change, record};
use crate::store::{NewInteraction, Store};

/// One call event from a telephony provider, to record as an interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The provider (`ringover`): the interaction's source.
    pub provider: &'static str,
    /// The number on the contact's side.
    pub number: PhoneNumber,
    /// The provider's key of the event (`{call id}:{event}`).
    pub key: String,
    /// `INBOUND` or `OUTBOUND`.
    pub direction: Option<&'static str>,
    /// When the call started.
    pub at: DateTime<Utc>,
    /// How long it lasted.
    pub duration_seconds: Option<i32>,
    /// What happened (`Call ended`).
    pub summary: Option<String>,
}

/// Records a call as an interaction on every live contact with its number (a number shared by
/// several contacts, like a switchboard, gets the call on each: we cannot tell who picked up).
/// A number nobody has stores nothing; a repeated delivery records nothing more.
pub async fn record_call(
    store: &Store,
    request_id: &str,
    now: DateTime<Utc>,
    call: &CallRecord,
) -> Result<WebhookOutcome, ApiError> {
    let caller = system_caller(call.provider);
    let ctx = Ctx {
        store,
        caller: &caller,
        request_id,
        now,
        providers: &[],
    };
    let tx = store.begin().await?;
    let contacts = tx.live_contacts_with_phone(&call.number).await?;
    if contacts.is_empty() {
        return Ok(WebhookOutcome::UnknownContact);
    }
    let mut recorded = 0_usize;
    for contact in &contacts {
        let new = NewInteraction {
            contact: contact.id(),
            kind: "CALL".to_owned(),
            direction: call.direction.map(str::to_owned),
            at: call.at,
            duration_seconds: call.duration_seconds,
            source: call.provider.to_owned(),
            summary: call.summary.clone(),
            external_key: call.key.clone(),
        };
        let Some(interaction) = tx.insert_interaction(&new, now).await? else {
            continue;
        };
        recorded += 1;
        record(
            &tx,
            &ctx,
            Change {
                action: "recordInteraction",
                kind: Kind::Contact,
                id: contact.id().get(),
                before: None,
                after: Some(json!({
                    "interactionId": global_id::encode(Kind::Interaction, interaction),
                    "kind": new.kind,
                    "source": new.source,
                })),
                events: vec![],
            },
        )
        .await?;
    }
    if recorded == 0 {
        return Ok(WebhookOutcome::Duplicate);
    }
    tx.commit().await?;
    Ok(WebhookOutcome::Applied)
}
