//! Domain events: every state change is one, written to the outbox with the change.
//!
//! [`catalogue`] documents every event type (name, version, aggregate, payload fields and who
//! may read each field); [`visibility`] decides, with [`crate::permissions::authorize`], what
//! a reader receives.

mod catalogue;
mod data;
mod field;
mod payloads;
mod visibility;

pub use catalogue::{CATALOGUE, EventTypeInfo, info};
pub use data::{CreditChange, MetricEvent};
pub use field::{FieldInfo, FieldType};
pub use visibility::{Visibility, may_read, may_receive};

use chrono::NaiveDate;

use crate::ids::{AccountId, AgreementId, ContactId, PartnerId, TeamMemberId};

/// Something that happened, named in the past tense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    /// An account was created.
    AccountCreated(AccountId),
    /// An account's details changed.
    AccountUpdated(AccountId),
    /// A customer became a client.
    AccountPromoted {
        /// The account.
        account: AccountId,
        /// Why, as given by whoever promoted it.
        reason: String,
    },
    /// A client became a customer.
    AccountDemoted {
        /// The account.
        account: AccountId,
        /// Why, as given by whoever demoted it.
        reason: String,
    },
    /// An account got a new manager.
    AccountManagerAssigned(AccountId),
    /// An account churned.
    AccountChurned(AccountId),
    /// Staff confirmed some of an account's email domains: they now route new contacts to it.
    AccountDomainsConfirmed(AccountId),
    /// An account was created by a partner, or with a referring partner.
    PartnerReferralCreated {
        /// The new account.
        account: AccountId,
        /// The partner who referred it.
        partner: PartnerId,
    },
    /// A contact was created.
    ContactCreated(ContactId),
    /// A contact changed (details, consent, or its account's relationship).
    ContactUpdated(ContactId),
    /// A contact's personal data was erased.
    ContactErased(ContactId),
    /// A team member was created.
    TeamMemberCreated(TeamMemberId),
    /// A team member changed (deactivation included).
    TeamMemberUpdated(TeamMemberId),
    /// A partner was created.
    PartnerCreated(PartnerId),
    /// A partner changed (deactivation included).
    PartnerUpdated(PartnerId),
    /// A partner token was issued.
    PartnerTokenIssued(PartnerId),
    /// A token was revoked.
    TokenRevoked,
    /// An agreement draft was created.
    AgreementDrafted(AgreementId),
    /// An agreement draft's sections changed.
    AgreementDraftUpdated(AgreementId),
    /// A draft was submitted for approval.
    AgreementSubmitted(AgreementId),
    /// A revision (the first one or an amendment) was approved.
    AgreementApproved(AgreementId),
    /// A revision pending approval was rejected.
    AgreementRejected(AgreementId),
    /// The first revision was approved: the agreement is active.
    AgreementActivated(AgreementId),
    /// An amendment to an active agreement was proposed (and awaits approval).
    AmendmentProposed(AgreementId),
    /// An approved amendment is now in force.
    AgreementAmended(AgreementId),
    /// A review started.
    ReviewStarted(AgreementId),
    /// A review was completed.
    ReviewCompleted(AgreementId),
    /// A review is due (emitted once per review cycle by the scheduler).
    ReviewDue(AgreementId),
    /// The last day to give notice (`cancelBy`) is near (emitted at 30, 7 and 1 days).
    NoticeDeadlineApproaching {
        /// The agreement.
        agreement: AgreementId,
        /// Days left until `cancel_by`.
        days: u32,
        /// The last day notice can be given.
        cancel_by: NaiveDate,
    },
    /// The agreement renewed into a new term (by hand or automatically).
    AgreementRenewed(AgreementId),
    /// The agreement reached the end of its term without renewal.
    AgreementExpired(AgreementId),
    /// Notice of termination was given; the termination takes effect later.
    TerminationNoticeGiven(AgreementId),
    /// The agreement was terminated (now no longer in force).
    AgreementTerminated(AgreementId),
    /// A measurement was recorded for one of the agreement's metrics.
    MeasurementRecorded(AgreementId),
    /// A metric went past its warning threshold.
    MetricAtRisk(MetricEvent),
    /// A metric missed its target.
    MetricBreached(MetricEvent),
    /// A breach incurred a service credit.
    CreditIncurred(CreditChange),
    /// A credit's amount changed when its period was computed again.
    CreditChanged(CreditChange),
}

impl DomainEvent {
    /// The event's stable type name, as written to the outbox (`account.promoted`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::AccountCreated(_) => "account.created",
            Self::AccountUpdated(_) => "account.updated",
            Self::AccountPromoted { .. } => "account.promoted",
            Self::AccountDemoted { .. } => "account.demoted",
            Self::AccountManagerAssigned(_) => "account.manager_assigned",
            Self::AccountChurned(_) => "account.churned",
            Self::AccountDomainsConfirmed(_) => "account.domains_confirmed",
            Self::PartnerReferralCreated { .. } => "partner.referral_created",
            Self::ContactCreated(_) => "contact.created",
            Self::ContactUpdated(_) => "contact.updated",
            Self::ContactErased(_) => "contact.erased",
            Self::TeamMemberCreated(_) => "team_member.created",
            Self::TeamMemberUpdated(_) => "team_member.updated",
            Self::PartnerCreated(_) => "partner.created",
            Self::PartnerUpdated(_) => "partner.updated",
            Self::PartnerTokenIssued(_) => "partner.token_issued",
            Self::TokenRevoked => "token.revoked",
            Self::AgreementDrafted(_) => "agreement.drafted",
            Self::AgreementDraftUpdated(_) => "agreement.draft_updated",
            Self::AgreementSubmitted(_) => "agreement.submitted",
            Self::AgreementApproved(_) => "agreement.approved",
            Self::AgreementRejected(_) => "agreement.rejected",
            Self::AgreementActivated(_) => "agreement.activated",
            Self::AmendmentProposed(_) => "agreement.amendment_proposed",
            Self::AgreementAmended(_) => "agreement.amended",
            Self::ReviewStarted(_) => "agreement.review_started",
            Self::ReviewCompleted(_) => "agreement.review_completed",
            Self::ReviewDue(_) => "agreement.review_due",
            Self::NoticeDeadlineApproaching { .. } => "agreement.notice_deadline_approaching",
            Self::AgreementRenewed(_) => "agreement.renewed",
            Self::AgreementExpired(_) => "agreement.expired",
            Self::TerminationNoticeGiven(_) => "agreement.termination_notice_given",
            Self::AgreementTerminated(_) => "agreement.terminated",
            Self::MeasurementRecorded(_) => "agreement.measurement_recorded",
            Self::MetricAtRisk(_) => "agreement.metric_at_risk",
            Self::MetricBreached(_) => "agreement.metric_breached",
            Self::CreditIncurred(_) => "agreement.credit_incurred",
            Self::CreditChanged(_) => "agreement.credit_changed",
        }
    }

    /// The agreement the event is about, if it is an agreement event.
    pub const fn agreement(&self) -> Option<AgreementId> {
        match self {
            Self::AgreementDrafted(id)
            | Self::AgreementDraftUpdated(id)
            | Self::AgreementSubmitted(id)
            | Self::AgreementApproved(id)
            | Self::AgreementRejected(id)
            | Self::AgreementActivated(id)
            | Self::AmendmentProposed(id)
            | Self::AgreementAmended(id)
            | Self::ReviewStarted(id)
            | Self::ReviewCompleted(id)
            | Self::ReviewDue(id)
            | Self::NoticeDeadlineApproaching { agreement: id, .. }
            | Self::AgreementRenewed(id)
            | Self::AgreementExpired(id)
            | Self::TerminationNoticeGiven(id)
            | Self::AgreementTerminated(id)
            | Self::MeasurementRecorded(id) => Some(*id),
            Self::MetricAtRisk(m) | Self::MetricBreached(m) => Some(m.agreement),
            Self::CreditIncurred(c) | Self::CreditChanged(c) => Some(c.agreement),
            _ => None,
        }
    }

    /// The event's entry in the [`CATALOGUE`].
    pub fn info(&self) -> &'static EventTypeInfo {
        // Every variant has an entry: a table test walks them all.
        info(self.kind()).unwrap_or(&catalogue::UNKNOWN)
    }
}

#[cfg(test)]
mod tests;
