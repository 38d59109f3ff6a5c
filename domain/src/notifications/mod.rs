//! The notification inbox's rules: which team members hear of which event, and what they
//! read. Pure: the caller gathers the [`Facts`] of an event (from the event and the
//! database), [`notices_for`] turns them into [`Notice`]s addressed to [`Audience`]s, and
//! [`recipients`] expands an audience over the active team, never including the actor.
//!
//! | event type | kind | who |
//! |---|---|---|
//! | `agreement.submitted`, `agreement.amendment_proposed` | `APPROVAL_WAITING` | admins, except the revision's author, editors and submitter |
//! | `agreement.metric_at_risk` | `METRIC_AT_RISK` | the account's manager |
//! | `agreement.metric_breached` | `METRIC_BREACHED` | the account's manager |
//! | `agreement.metric_breached` with an `ESCALATION` consequence | `ESCALATION` | every member of the role it names |
//! | `agreement.notice_deadline_approaching` (30, 7, 1 days) | `NOTICE_DEADLINE` | the account's manager |
//! | `agreement.review_due` (due or overdue) | `REVIEW_DUE` | the account's manager |
//! | `partner.referral_created` | `PARTNER_REFERRAL` | admins |
//! | `webhook.endpoint_disabled` | `ENDPOINT_DISABLED` | the endpoint's owner; admins for a partner's endpoint |
//!
//! Nobody is notified of their own action, and only active members are notified.

mod recipients;
mod rules;
#[cfg(test)]
mod tests;

pub use recipients::{Member, recipients};
pub use rules::notices_for;

use chrono::NaiveDate;

use crate::ids::TeamMemberId;
use crate::role::Role;

/// What a notification is about; one member gets at most one notification of a kind per
/// event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotificationKind {
    /// An agreement (or an amendment) waits for someone's approval.
    ApprovalWaiting,
    /// A metric of an agreement passed its warning threshold.
    MetricAtRisk,
    /// A metric of an agreement missed its target.
    MetricBreached,
    /// A breach escalates to a role under an `ESCALATION` consequence.
    Escalation,
    /// The last day to give notice is 30, 7 or 1 days away.
    NoticeDeadline,
    /// A review is due or overdue.
    ReviewDue,
    /// A partner referred a new account.
    PartnerReferral,
    /// A webhook endpoint was disabled after failing for too long.
    EndpointDisabled,
}

impl NotificationKind {
    /// Every kind, in a stable order.
    pub const ALL: [NotificationKind; 8] = [
        Self::ApprovalWaiting,
        Self::MetricAtRisk,
        Self::MetricBreached,
        Self::Escalation,
        Self::NoticeDeadline,
        Self::ReviewDue,
        Self::PartnerReferral,
        Self::EndpointDisabled,
    ];

    /// The stored and wire name (`APPROVAL_WAITING`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ApprovalWaiting => "APPROVAL_WAITING",
            Self::MetricAtRisk => "METRIC_AT_RISK",
            Self::MetricBreached => "METRIC_BREACHED",
            Self::Escalation => "ESCALATION",
            Self::NoticeDeadline => "NOTICE_DEADLINE",
            Self::ReviewDue => "REVIEW_DUE",
            Self::PartnerReferral => "PARTNER_REFERRAL",
            Self::EndpointDisabled => "ENDPOINT_DISABLED",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Who a notice is for, before it is expanded over the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// One member.
    Member(TeamMemberId),
    /// Every member with this role.
    Role(Role),
    /// Every member with this role except these.
    RoleExcept(Role, Vec<TeamMemberId>),
}

/// What the rules need to know about one event, gathered by the caller. Anything not known
/// is left empty: a rule whose facts are missing addresses nobody rather than guessing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The team member who caused the event; `None` for a partner or the system.
    pub actor: Option<TeamMemberId>,
    /// A display name of what the event is about (the agreement's title, the account's
    /// name, the endpoint's URL).
    pub subject_name: String,
    /// The agreement revision's author, editors and submitter (as members).
    pub authors: Vec<TeamMemberId>,
    /// The manager of the account the event is about.
    pub account_manager: Option<TeamMemberId>,
    /// The breached metric, when the payload names it.
    pub metric_key: Option<String>,
    /// The roles named by the `ESCALATION` consequences of the breached metric.
    pub escalations: Vec<Role>,
    /// Days left until `cancelBy` (a notice deadline).
    pub days_to_cancel_by: Option<u32>,
    /// The last day to give notice.
    pub cancel_by: Option<NaiveDate>,
    /// The day a due review was due on.
    pub review_due_on: Option<NaiveDate>,
    /// The day the event happened.
    pub today: Option<NaiveDate>,
    /// The staff member who owns a disabled webhook endpoint; `None` for a partner's endpoint.
    pub endpoint_owner: Option<TeamMemberId>,
    /// Why a webhook endpoint was disabled.
    pub reason: Option<String>,
}

/// One notification to write, for every member of its audiences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What it is about.
    pub kind: NotificationKind,
    /// One line.
    pub title: String,
    /// A sentence or two.
    pub body: String,
    /// Who reads it.
    pub audiences: Vec<Audience>,
}
