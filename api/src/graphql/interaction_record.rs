//! `recordInteraction`: a help desk (or a person) logs a call, an email or a meeting on a
//! contact. A service account needs the `INTERACTIONS_WRITE` scope, and no read scope.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::context::state;
use super::enums::{InteractionDirection, InteractionKind};
use super::error::GqlResultExt;
use super::ids::contact_id;
use super::interaction::InteractionNode;
use super::scalars::DateTimeScalar;
use crate::service::{self, ManualInteraction};

/// Input of `recordInteraction`.
#[derive(Debug, InputObject)]
pub struct RecordInteractionInput {
    /// The contact it happened with (global id).
    contact_id: ID,
    /// A call, an email, a meeting.
    kind: InteractionKind,
    /// Who started it, when it has a direction.
    direction: Option<InteractionDirection>,
    /// When it happened (a call or meeting: when it started); at most 5 minutes after the
    /// server's clock.
    at: DateTimeScalar,
    /// How long it lasted, in seconds (0 or more).
    duration_seconds: Option<i32>,
    /// What happened, in a few words (at most 500 characters).
    summary: Option<String>,
    /// Which system recorded it, 1 to 64 lowercase letters, digits, `-`, `_` or `.`
    /// (`helpdesk`); `manual` when omitted.
    source: Option<String>,
}

/// Result of `recordInteraction`.
#[derive(Debug, SimpleObject)]
pub struct RecordInteractionPayload {
    /// The interaction as recorded.
    interaction: InteractionNode,
}

/// Interaction mutations.
#[derive(Debug, Default)]
pub struct InteractionMutations;

#[Object]
impl InteractionMutations {
    /// Records an interaction with a contact (a call, an email, a meeting): support agents on
    /// any account, account managers on the accounts they manage, admins; a service account
    /// with its role and the `INTERACTIONS_WRITE` scope.
    async fn record_interaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact and what happened.")] input: RecordInteractionInput,
    ) -> Result<RecordInteractionPayload> {
        let st = state(ctx);
        let contact = contact_id("contactId", &input.contact_id)?;
        let recorded = service::record_interaction(
            &st.ctx(),
            ManualInteraction {
                contact,
                kind: input.kind.into(),
                direction: input.direction.map(Into::into),
                at: input.at.0,
                duration_seconds: input.duration_seconds,
                summary: input.summary,
                source: input.source,
            },
        )
        .await
        .gql()?;
        Ok(RecordInteractionPayload {
            interaction: InteractionNode(recorded),
        })
    }
}
