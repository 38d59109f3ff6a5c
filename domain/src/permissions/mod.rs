//! Who may do what: one pure decision function with the whole matrix table-tested.
//!
//! Row-level scope is part of the decision. A partner sees only the accounts it referred, and
//! for a partner anything outside that scope does not exist ([`Denied::NotFound`]), so ids of
//! other accounts cannot be probed.
//!
//! A machine credential (an API key) acts for a service account: its role narrowed by its
//! [`Scopes`]. The scopes travel in the [`Principal`] itself, and [`authorize`] checks them
//! after the role, so no permission check can forget them.

mod scopes;

pub use scopes::{Scope, Scopes};

use crate::account::RelationshipType;
use crate::ids::{PartnerId, ServiceAccountId, TeamMemberId};
use crate::role::Role;

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A member of staff with a staff role (never `PARTNER`); people hold every scope.
    Staff {
        /// Which member.
        member: TeamMemberId,
        /// Their role.
        role: Role,
    },
    /// A staff service account (a machine: a monitoring feed, a help desk) calling with an API
    /// key: its staff role narrowed by its scopes. It is no team member: it manages no account
    /// and created none.
    Service {
        /// Which service account.
        account: ServiceAccountId,
        /// Its role (never `PARTNER`).
        role: Role,
        /// What its keys may be used for.
        scopes: Scopes,
    },
    /// A partner organization: with a partner token (every scope), or with an API key of one
    /// of its service accounts (that account's scopes).
    Partner {
        /// Which partner.
        partner: PartnerId,
        /// What the credential may be used for.
        scopes: Scopes,
    },
}

impl Principal {
    /// The principal's role.
    pub fn role(&self) -> Role {
        match self {
            Principal::Staff { role, .. } | Principal::Service { role, .. } => *role,
            Principal::Partner { .. } => Role::Partner,
        }
    }

    /// The partner the principal is scoped to, if it is a partner.
    pub fn partner(&self) -> Option<PartnerId> {
        match self {
            Principal::Partner { partner, .. } => Some(*partner),
            Principal::Staff { .. } | Principal::Service { .. } => None,
        }
    }

    /// What the principal's credential may be used for.
    pub fn scopes(&self) -> Scopes {
        match self {
            Principal::Staff { .. } => Scopes::ALL,
            Principal::Service { scopes, .. } | Principal::Partner { scopes, .. } => *scopes,
        }
    }
}

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read an account, or list accounts (a list is filtered to the caller's scope).
    ReadAccount,
    /// Create an account.
    CreateAccount,
    /// Edit an account's details.
    UpdateAccount,
    /// Promote a customer to client.
    PromoteToClient,
    /// Demote a client to customer.
    DemoteToCustomer,
    /// Name or remove an account's manager.
    AssignAccountManager,
    /// Mark an account churned.
    ChurnAccount,
    /// Confirm an account's email domains, so that they route new contacts to it.
    ConfirmAccountDomains,
    /// Read a contact, or list contacts.
    ReadContact,
    /// Add a contact to an account.
    CreateContact,
    /// Edit a contact.
    UpdateContact,
    /// Erase a contact's personal data.
    EraseContact,
    /// Read team members.
    ReadTeam,
    /// Create, edit or deactivate team members.
    ManageTeam,
    /// Read partners.
    ReadPartners,
    /// Create, edit or deactivate partners.
    ManagePartners,
    /// Issue or revoke tokens; create service accounts and their API keys.
    ManageTokens,
    /// List, create, rotate and revoke the caller's own tokens and API keys (a partner's own:
    /// the row-level owner check is the service's, another partner's credential does not
    /// exist for the caller).
    ManageOwnCredentials,
    /// Read the audit log.
    ReadAuditLog,
    /// Read an agreement's summary, status, performance targets and compliance.
    ReadAgreement,
    /// Read an agreement's terms, money and consequences (fees, credits, penalties).
    ReadAgreementTerms,
    /// Draft, edit, submit or amend an agreement.
    DraftAgreement,
    /// Approve or reject a submitted agreement or amendment.
    ApproveAgreement,
    /// Record measurements against an agreement's metrics.
    RecordMeasurements,
    /// Record an interaction (a call) with a contact of the account.
    RecordInteraction,
    /// Start and complete reviews, renew.
    ReviewAgreement,
    /// Give notice of termination.
    TerminateAgreement,
    /// See and retry contact-sync failures; resync contacts.
    ManageIntegrations,
    /// Register, list, change, rotate and delete outbound webhook endpoints: admins the
    /// staff's, a partner its own (the row-level owner check is the service's: another owner's
    /// endpoint does not exist for the caller).
    ManageWebhooks,
}

impl Action {
    /// Every action, for table tests.
    pub const ALL: [Action; 29] = [
        Action::ReadAccount,
        Action::CreateAccount,
        Action::UpdateAccount,
        Action::PromoteToClient,
        Action::DemoteToCustomer,
        Action::AssignAccountManager,
        Action::ChurnAccount,
        Action::ConfirmAccountDomains,
        Action::ReadContact,
        Action::CreateContact,
        Action::UpdateContact,
        Action::EraseContact,
        Action::ReadTeam,
        Action::ManageTeam,
        Action::ReadPartners,
        Action::ManagePartners,
        Action::ManageTokens,
        Action::ManageOwnCredentials,
        Action::ReadAuditLog,
        Action::ReadAgreement,
        Action::ReadAgreementTerms,
        Action::DraftAgreement,
        Action::ApproveAgreement,
        Action::RecordMeasurements,
        Action::RecordInteraction,
        Action::ReviewAgreement,
        Action::TerminateAgreement,
        Action::ManageIntegrations,
        Action::ManageWebhooks,
    ];
}

/// The facts about an account that decide access to it and its contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountScope {
    /// The partner who referred the account.
    pub partner: Option<PartnerId>,
    /// The account's manager.
    pub manager: Option<TeamMemberId>,
    /// Customer or client.
    pub relationship: RelationshipType,
    /// The member of staff who created the account, if known: while nobody manages the
    /// account, an account manager who created it may add its contacts and become its manager.
    pub created_by: Option<TeamMemberId>,
}

impl AccountScope {
    /// Nobody manages the account and `member` created it.
    fn created_unmanaged_by(&self, member: Option<TeamMemberId>) -> bool {
        member.is_some() && self.manager.is_none() && self.created_by == member
    }
}

/// What the action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Nothing tied to one account: lists, team, partners, tokens, the audit log, new accounts.
    Global,
    /// One existing account, or a contact of it.
    Account(AccountScope),
    /// Promoting the account to client with the named manager.
    Promotion {
        /// The account.
        account: AccountScope,
        /// The manager the promotion names.
        manager: TeamMemberId,
    },
    /// Naming (or removing, with `None`) the account's manager.
    Assignment {
        /// The account.
        account: AccountScope,
        /// The manager the assignment names.
        manager: Option<TeamMemberId>,
    },
}

impl Resource {
    fn account(&self) -> Option<&AccountScope> {
        match self {
            Resource::Global => None,
            Resource::Account(scope)
            | Resource::Promotion { account: scope, .. }
            | Resource::Assignment { account: scope, .. } => Some(scope),
        }
    }
}

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The resource exists for the caller but the action is not theirs (`FORBIDDEN`).
    Forbidden,
    /// The resource is outside the caller's scope and must look absent (`NOT_FOUND`).
    NotFound,
}

/// Decides whether `principal` may perform `action` on `resource`: the role decides, and the
/// principal's scopes must cover the action too. A partner asking about another partner's
/// account learns nothing, whatever its scopes (`NotFound` comes first).
pub fn authorize(principal: &Principal, action: Action, resource: &Resource) -> Result<(), Denied> {
    let by_role = match *principal {
        Principal::Partner { partner, .. } => authorize_partner(partner, action, resource),
        Principal::Staff { member, role } => authorize_staff(Some(member), role, action, resource),
        Principal::Service { role, .. } => authorize_staff(None, role, action, resource),
    };
    by_role?;
    if principal.scopes().permits(action) {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

fn authorize_partner(
    partner: PartnerId,
    action: Action,
    resource: &Resource,
) -> Result<(), Denied> {
    if let Some(scope) = resource.account()
        && scope.partner != Some(partner)
    {
        return Err(Denied::NotFound);
    }
    match action {
        Action::ReadAccount
        | Action::ReadContact
        | Action::CreateAccount
        | Action::ReadAgreement => Ok(()),
        Action::ManageWebhooks | Action::ManageOwnCredentials
            if matches!(resource, Resource::Global) =>
        {
            Ok(())
        }
        _ => Err(Denied::Forbidden),
    }
}

/// `member` is `None` for a service account: it manages no account and created none.
fn authorize_staff(
    member: Option<TeamMemberId>,
    role: Role,
    action: Action,
    resource: &Resource,
) -> Result<(), Denied> {
    use Action as A;
    let manages = || {
        resource
            .account()
            .is_some_and(|s| member.is_some() && s.manager == member)
    };
    let allowed = match (role, action) {
        (Role::Admin, _) => true,
        (Role::Partner, _) => false,
        (_, A::ReadAccount | A::ReadContact | A::ReadTeam | A::ReadPartners | A::ReadAgreement) => {
            true
        }
        (Role::Viewer | Role::AccountManager, A::ReadAgreementTerms) => true,
        (
            Role::AccountManager,
            A::DraftAgreement | A::RecordMeasurements | A::ReviewAgreement | A::TerminateAgreement,
        ) => matches!(resource, Resource::Account(_)) && manages(),
        (Role::SupportAgent, A::RecordMeasurements | A::RecordInteraction) => {
            matches!(resource, Resource::Account(_))
        }
        (Role::AccountManager, A::RecordInteraction) => {
            matches!(resource, Resource::Account(_)) && manages()
        }
        (Role::Viewer | Role::AccountManager, A::ReadAuditLog) => true,
        (Role::AccountManager, A::CreateAccount) => true,
        (
            Role::AccountManager,
            A::UpdateAccount
            | A::DemoteToCustomer
            | A::ChurnAccount
            | A::UpdateContact
            | A::ConfirmAccountDomains,
        ) => matches!(resource, Resource::Account(_)) && manages(),
        // The creator of an account nobody manages yet may add its first contacts...
        (Role::AccountManager, A::CreateContact) => match resource {
            Resource::Account(s) => manages() || s.created_unmanaged_by(member),
            _ => false,
        },
        // ...and make itself its manager; the manager may name anyone.
        (Role::AccountManager, A::AssignAccountManager) => match resource {
            Resource::Account(_) => manages(),
            Resource::Assignment { account, manager } => {
                manages()
                    || (account.created_unmanaged_by(member)
                        && member.is_some()
                        && *manager == member)
            }
            _ => false,
        },
        (Role::AccountManager, A::PromoteToClient) => {
            matches!(resource, Resource::Promotion { manager, .. } if Some(*manager) == member)
        }
        (Role::SupportAgent, A::CreateContact | A::UpdateContact) => matches!(
            resource,
            Resource::Account(s) if s.relationship == RelationshipType::Customer
        ),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

#[cfg(test)]
mod scope_tests;
#[cfg(test)]
mod tests;
