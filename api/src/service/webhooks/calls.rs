//! Call events from a telephony provider, recorded as interactions.

use chrono::{DateTime, Utc};
use rapport_domain::account::RelationshipType;
use rapport_domain::contact::{InteractionDirection, InteractionKind};
use rapport_domain::ids::ContactId;
use rapport_domain::values::PhoneNumber;
use serde_json::json;

use super::{WebhookOutcome, system_caller};
use crate::auth::ReadScope;
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
    /// Who started the call, when the provider says.
    pub direction: Option<InteractionDirection>,
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
        registry: None,
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
            kind: InteractionKind::Call,
            direction: call.direction,
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
                    "kind": new.kind.as_str(),
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

/// Who is on the other end of a call, for a telephony provider's caller-ID display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The contact (the oldest live one with the number).
    pub contact: ContactId,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: Option<String>,
    /// Role at the account.
    pub job_role: Option<String>,
    /// The account's name.
    pub account: String,
    /// Client or customer.
    pub relationship: RelationshipType,
    /// The account's dedicated manager, by name (clients).
    pub account_manager: Option<String>,
    /// How many other live contacts have the number (a switchboard).
    pub others: usize,
}

/// The live contact with `number`, with what an agent taking the call wants to see; `None`
/// when nobody has it. A read: nothing is recorded.
pub async fn identify_caller(
    store: &Store,
    number: &PhoneNumber,
) -> Result<Option<CallerIdentity>, ApiError> {
    let contacts = store.live_contacts_by_phone(number).await?;
    let Some(contact) = contacts.first() else {
        return Ok(None);
    };
    let Some(details) = contact.parts().details.as_ref() else {
        return Ok(None);
    };
    let account_id = contact.parts().account;
    let Some(account) = store
        .accounts_by_ids(ReadScope::system(), &[account_id])
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let account_manager = match account.account_manager() {
        Some(manager) => store
            .team_members_by_ids(ReadScope::system(), &[manager])
            .await?
            .pop()
            .map(|m| m.name.as_str().to_owned()),
        None => None,
    };
    Ok(Some(CallerIdentity {
        contact: contact.id(),
        first_name: details.first_name.as_str().to_owned(),
        last_name: details.last_name.as_ref().map(|t| t.as_str().to_owned()),
        job_role: details.job_role.as_ref().map(|t| t.as_str().to_owned()),
        account: account.parts().name.as_str().to_owned(),
        relationship: account.relationship(),
        account_manager,
        others: contacts.len() - 1,
    }))
}
