//! Domain events: every state change is one, written to the outbox with the change.

use crate::ids::{AccountId, ContactId, PartnerId, TeamMemberId};

/// Something that happened, named in the past tense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    /// An account was created.
    AccountCreated(AccountId),
    /// An account's details changed.
    AccountUpdated(AccountId),
    /// A customer became a client.
    AccountPromoted(AccountId),
    /// A client became a customer.
    AccountDemoted(AccountId),
    /// An account got a new manager.
    AccountManagerAssigned(AccountId),
    /// An account churned.
    AccountChurned(AccountId),
    /// A contact was created.
    ContactCreated(ContactId),
    /// A contact changed (details, consent, or its account's relationship).
    ContactChanged(ContactId),
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
}

impl DomainEvent {
    /// The event's stable type name, as written to the outbox (`account.promoted`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::AccountCreated(_) => "account.created",
            Self::AccountUpdated(_) => "account.updated",
            Self::AccountPromoted(_) => "account.promoted",
            Self::AccountDemoted(_) => "account.demoted",
            Self::AccountManagerAssigned(_) => "account.manager_assigned",
            Self::AccountChurned(_) => "account.churned",
            Self::ContactCreated(_) => "contact.created",
            Self::ContactChanged(_) => "contact.changed",
            Self::ContactErased(_) => "contact.erased",
            Self::TeamMemberCreated(_) => "team_member.created",
            Self::TeamMemberUpdated(_) => "team_member.updated",
            Self::PartnerCreated(_) => "partner.created",
            Self::PartnerUpdated(_) => "partner.updated",
            Self::PartnerTokenIssued(_) => "partner.token_issued",
            Self::TokenRevoked => "token.revoked",
        }
    }
}
