//! What providers report through their webhooks: a member's consent, names or address changed
//! at the email-marketing provider; a call with a contact at the telephony provider.
//!
//! Each event runs in one transaction like any use case (the change, its audit row, its outbox
//! event and its sync jobs), acting as a system caller named after the webhook
//! (`webhook:mailchimp`). Providers deliver at least once: a contact change is applied once per
//! event key (a receipt is written with it), an interaction once per event and contact. A change
//! a provider reported is not sent back to that provider, only to the others.

mod calls;
mod members;

pub use calls::{CallRecord, CallerIdentity, identify_caller, record_call};
pub use members::{MemberChange, MemberEvent, apply_member_event};

use rapport_domain::ids::TeamMemberId;
use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;

use crate::auth::Caller;

/// What became of one webhook event. Every outcome is acknowledged (200) to the provider:
/// retrying would not change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The change was applied.
    Applied,
    /// The event was new, but the contact already was as it says.
    Unchanged,
    /// The event was applied before (a repeated delivery).
    Duplicate,
    /// No live contact has this address or number.
    UnknownContact,
    /// The event cannot be applied; nothing was stored.
    Refused(&'static str),
}

impl WebhookOutcome {
    /// A stable name for logs and the webhook's answer.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookOutcome::Applied => "applied",
            WebhookOutcome::Unchanged => "unchanged",
            WebhookOutcome::Duplicate => "duplicate",
            WebhookOutcome::UnknownContact => "unknown_contact",
            WebhookOutcome::Refused(_) => "refused",
        }
    }
}

/// The caller webhooks act as. It is never authorized against anything: the webhook's secret
/// or signature is its authorization.
pub(super) fn system_caller(provider: &str) -> Caller {
    Caller {
        principal: Principal::Staff {
            member: TeamMemberId::new(0),
            role: Role::Admin,
        },
        subject: format!("webhook:{provider}"),
        token_id: String::new(),
    }
}
