//! Who reads what of an event: each class is the permission a GraphQL read of the same data
//! needs, so an event never shows a reader more than the API would.

use super::catalogue::EventTypeInfo;
use crate::account::RelationshipType;
use crate::permissions::{AccountScope, Action, Principal, Resource, authorize};

/// The class of a payload field or of a whole event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Whoever may read the account the event is about (partners included).
    Everyone,
    /// Any member of staff (internal notes such as a promotion's reason).
    Staff,
    /// An agreement's terms (clauses, termination grounds).
    Terms,
    /// Fees and other amounts of money of an agreement.
    Money,
    /// Service credits and penalties.
    Credits,
    /// Who is who in the team (member ids, names, roles).
    StaffIdentity,
    /// Partner records.
    Partners,
    /// Issued and revoked tokens.
    Tokens,
    /// Outbound webhook endpoints.
    Webhooks,
}

impl Visibility {
    /// Every class, for table tests.
    pub const ALL: [Visibility; 9] = [
        Self::Everyone,
        Self::Staff,
        Self::Terms,
        Self::Money,
        Self::Credits,
        Self::StaffIdentity,
        Self::Partners,
        Self::Tokens,
        Self::Webhooks,
    ];

    /// The action a GraphQL read of the same data is authorized with.
    pub const fn action(self) -> Action {
        match self {
            Self::Everyone => Action::ReadAccount,
            Self::Staff | Self::StaffIdentity => Action::ReadTeam,
            Self::Terms | Self::Money | Self::Credits => Action::ReadAgreementTerms,
            Self::Partners => Action::ReadPartners,
            Self::Tokens => Action::ManageTokens,
            Self::Webhooks => Action::ManageIntegrations,
        }
    }

    /// The name shown in the catalogue (`STAFF_IDENTITY`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "EVERYONE",
            Self::Staff => "STAFF",
            Self::Terms => "TERMS",
            Self::Money => "MONEY",
            Self::Credits => "CREDITS",
            Self::StaffIdentity => "STAFF_IDENTITY",
            Self::Partners => "PARTNERS",
            Self::Tokens => "TOKENS",
            Self::Webhooks => "WEBHOOKS",
        }
    }
}

/// Whether `reader` may read data of class `class` of an event about an account in its scope.
/// Row scope (a partner's referred accounts) is the caller's business: the event is taken to
/// be about an account the reader may see.
pub fn may_read(reader: &Principal, class: Visibility) -> bool {
    let in_scope = AccountScope {
        partner: reader.partner(),
        manager: None,
        relationship: RelationshipType::Client,
        created_by: None,
    };
    authorize(reader, class.action(), &Resource::Account(in_scope)).is_ok()
}

/// Whether `reader` may receive events of type `info` at all.
pub fn may_receive(reader: &Principal, info: &EventTypeInfo) -> bool {
    may_read(reader, info.visibility)
}
