//! Recording an interaction by hand: a help desk logs a call, an email or a meeting on a
//! contact (`recordInteraction`). The permission is `RecordInteraction` on the contact's
//! account — a service account needs the `interactions:write` scope for it, and no read
//! scope: the contact must exist for the caller (a partner's out-of-scope contact does not),
//! not be readable by it. The events catalogue has no interaction event: nothing is emitted;
//! the audit row records it.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::contact::{InteractionDirection, InteractionKind};
use rapport_domain::ids::ContactId;
use rapport_domain::permissions::{Action, Resource};
use serde_json::json;

use super::Ctx;
use super::accounts::account_scope;
use super::record::{Change, record};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::{Interaction, NewInteraction};

/// How far in the future `at` may be: clocks of the recording system and the server differ.
pub const FUTURE_SKEW: Duration = Duration::minutes(5);

/// Longest summary, in characters (the column's size).
pub const MAX_SUMMARY_CHARS: usize = 500;

/// Longest source name, in characters.
pub const MAX_SOURCE_CHARS: usize = 64;

/// The source recorded when the caller names none.
pub const DEFAULT_SOURCE: &str = "manual";

/// An interaction to record by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualInteraction {
    /// The contact.
    pub contact: ContactId,
    /// A call, an email, a meeting.
    pub kind: InteractionKind,
    /// Who started it, if it has a direction.
    pub direction: Option<InteractionDirection>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// How long it lasted, in seconds.
    pub duration_seconds: Option<i32>,
    /// What happened, in a few words.
    pub summary: Option<String>,
    /// Which system recorded it (`helpdesk`); `manual` when omitted.
    pub source: Option<String>,
}

fn check(
    new: &ManualInteraction,
    now: DateTime<Utc>,
) -> Result<(String, Option<String>), ApiError> {
    if new.at > now + FUTURE_SKEW {
        return Err(ApiError::bad_input(
            "at",
            format!(
                "is in the future (more than {} minutes after the server's clock)",
                FUTURE_SKEW.num_minutes()
            ),
        ));
    }
    if new.duration_seconds.is_some_and(|d| d < 0) {
        return Err(ApiError::bad_input("durationSeconds", "must be 0 or more"));
    }
    let summary = new
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SUMMARY_CHARS)
    {
        return Err(ApiError::bad_input(
            "summary",
            format!("must be at most {MAX_SUMMARY_CHARS} characters"),
        ));
    }
    let source = new.source.as_deref().unwrap_or(DEFAULT_SOURCE).trim();
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    if source.is_empty() || source.chars().count() > MAX_SOURCE_CHARS || !source.chars().all(valid)
    {
        return Err(ApiError::bad_input(
            "source",
            format!(
                "must be 1 to {MAX_SOURCE_CHARS} lowercase letters, digits, `-`, `_` or `.` \
                 (`helpdesk`)"
            ),
        ));
    }
    Ok((source.to_owned(), summary))
}

/// Records an interaction on a contact the caller may record interactions for.
pub async fn record_interaction(
    ctx: &Ctx<'_>,
    new: ManualInteraction,
) -> Result<Interaction, ApiError> {
    let (source, summary) = check(&new, ctx.now)?;
    let tx = ctx.store.begin().await?;
    let contact = tx
        .load_contact(new.contact)
        .await?
        .ok_or(ApiError::NotFound("contact"))?;
    let account = tx
        .load_account(contact.parts().account)
        .await?
        .ok_or(ApiError::NotFound("contact"))?;
    ctx.authorize(
        Action::RecordInteraction,
        &Resource::Account(account_scope(&account)),
        "contact",
    )?;
    if contact.is_erased() {
        return Err(ApiError::bad_input(
            "contactId",
            "the contact was erased: nothing more is recorded about them",
        ));
    }
    let row = NewInteraction {
        contact: new.contact,
        kind: new.kind,
        direction: new.direction,
        at: new.at,
        duration_seconds: new.duration_seconds,
        source,
        summary,
        external_key: format!("manual:{}", uuid::Uuid::new_v4().simple()),
    };
    let id = tx
        .insert_interaction(&row, ctx.now)
        .await?
        .ok_or_else(|| ApiError::Internal("a fresh interaction key was taken".into()))?;
    record(
        &tx,
        ctx,
        Change {
            action: "recordInteraction",
            kind: Kind::Contact,
            id: new.contact.get(),
            before: None,
            after: Some(json!({
                "interactionId": global_id::encode(Kind::Interaction, id),
                "kind": row.kind.as_str(),
                "direction": row.direction.map(InteractionDirection::as_str),
                "at": row.at.to_rfc3339(),
                "durationSeconds": row.duration_seconds,
                "source": row.source,
            })),
            events: vec![],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Interaction {
        id,
        contact: row.contact,
        kind: row.kind,
        direction: row.direction,
        at: row.at,
        duration_seconds: row.duration_seconds,
        source: row.source,
        summary: row.summary,
        created_at: ctx.now,
    })
}
