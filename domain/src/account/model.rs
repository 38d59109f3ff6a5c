use chrono::{DateTime, Utc};

use super::domains::{self, AccountDomain, NamedBy};
use super::{
    AccountKind, AccountStatus, AcquisitionChannel, AgreementInForce, NewAccount,
    RelationshipChange, RelationshipType,
};
use crate::error::DomainError;
use crate::ids::{AccountId, PartnerId, TeamMemberId};
use crate::team::TeamMember;
use crate::values::{EmailDomain, Text};

/// Every stored field of an account, for loading and saving. Only the store builds these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountParts {
    /// Identity.
    pub id: AccountId,
    /// Display name.
    pub name: Text,
    /// Individual or organization.
    pub kind: AccountKind,
    /// Customer or client.
    pub relationship: RelationshipType,
    /// Dedicated manager (always set for a client).
    pub account_manager: Option<TeamMemberId>,
    /// Parent account.
    pub parent: Option<AccountId>,
    /// Email domains named for the account, sorted; only confirmed ones route new contacts.
    pub domains: Vec<AccountDomain>,
    /// How the account came to us.
    pub acquisition_channel: AcquisitionChannel,
    /// Referring partner.
    pub partner: Option<PartnerId>,
    /// The member of staff who created the account (`None` when a partner did, or when it is
    /// not known).
    pub created_by: Option<TeamMemberId>,
    /// Active or churned.
    pub status: AccountStatus,
    /// When it churned.
    pub churned_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// Its id in the system it was imported from, if any.
    pub external: Option<crate::values::ExternalRef>,
}

/// An account with its relationship rules. Fields that carry invariants are reachable only
/// through methods that enforce them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account(pub(super) AccountParts);

impl Account {
    /// Rebuilds an account from storage, refusing a state that breaks the invariants (a client
    /// without a manager).
    pub fn restore(parts: AccountParts) -> Result<Self, DomainError> {
        if parts.relationship == RelationshipType::Client && parts.account_manager.is_none() {
            return Err(DomainError::invalid(
                "accountManagerId",
                "a client account must have an account manager",
            ));
        }
        Ok(Self(parts))
    }

    /// Every field, for saving or display.
    pub fn parts(&self) -> &AccountParts {
        &self.0
    }

    /// Every field, owned.
    pub fn into_parts(self) -> AccountParts {
        self.0
    }

    /// Identity.
    pub fn id(&self) -> AccountId {
        self.0.id
    }

    /// Customer or client.
    pub fn relationship(&self) -> RelationshipType {
        self.0.relationship
    }

    /// The dedicated manager, if any.
    pub fn account_manager(&self) -> Option<TeamMemberId> {
        self.0.account_manager
    }

    /// The referring partner, if any.
    pub fn partner(&self) -> Option<PartnerId> {
        self.0.partner
    }

    /// The member of staff who created the account, if known.
    pub fn created_by(&self) -> Option<TeamMemberId> {
        self.0.created_by
    }

    fn ensure_active(&self, action: &'static str) -> Result<(), DomainError> {
        if self.0.status == AccountStatus::Churned {
            return Err(DomainError::transition(
                "CHURNED",
                action,
                "the account has churned",
            ));
        }
        Ok(())
    }

    fn ensure_may_manage(manager: &TeamMember) -> Result<(), DomainError> {
        if manager.may_manage_accounts() {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "accountManagerId",
                format!(
                    "team member {} cannot manage accounts (must be an active ADMIN or ACCOUNT_MANAGER)",
                    manager.subject.as_str()
                ),
            ))
        }
    }

    pub(super) fn touch(&mut self, now: DateTime<Utc>) {
        self.0.updated_at = now;
    }

    /// Edits the plain details (name, kind, parent, domains, channel). A parent may not be the
    /// account itself. `domains` replaces the list: a domain kept keeps its state, a domain
    /// added is confirmed only when staff name it (`by`).
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per editable detail"
    )]
    pub fn update_details(
        &mut self,
        name: Text,
        kind: AccountKind,
        parent: Option<AccountId>,
        domains: Vec<EmailDomain>,
        by: NamedBy,
        acquisition_channel: AcquisitionChannel,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if parent == Some(self.0.id) {
            return Err(DomainError::invalid(
                "parentId",
                "an account cannot be its own parent",
            ));
        }
        let checked = NewAccount::new(
            name,
            kind,
            parent,
            domains,
            acquisition_channel,
            self.0.partner,
        )?;
        let wanted = checked.domains.into_iter().map(|d| d.domain).collect();
        self.0.name = checked.name;
        self.0.kind = checked.kind;
        self.0.parent = checked.parent;
        self.0.domains = domains::replace(&self.0.domains, wanted, by);
        self.0.acquisition_channel = checked.acquisition_channel;
        self.touch(now);
        Ok(())
    }

    /// Customer → client: names the dedicated manager and a reason.
    pub fn promote_to_client(
        &mut self,
        manager: &TeamMember,
        reason: Text,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<RelationshipChange, DomainError> {
        if self.0.relationship == RelationshipType::Client {
            return Err(DomainError::transition(
                "CLIENT",
                "promote to client",
                "the account is already a client",
            ));
        }
        self.ensure_active("promote to client")?;
        Self::ensure_may_manage(manager)?;
        self.0.relationship = RelationshipType::Client;
        self.0.account_manager = Some(manager.id);
        self.touch(now);
        Ok(RelationshipChange {
            from: RelationshipType::Customer,
            to: RelationshipType::Client,
            reason,
            actor: actor.to_owned(),
            at: now,
        })
    }

    /// Client → customer: refused while an agreement is in force, naming it. The manager stays
    /// assigned (customers may have one) until someone unassigns them.
    pub fn demote_to_customer(
        &mut self,
        reason: Text,
        in_force: Option<&AgreementInForce>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<RelationshipChange, DomainError> {
        if self.0.relationship == RelationshipType::Customer {
            return Err(DomainError::transition(
                "CUSTOMER",
                "demote to customer",
                "the account is already a customer",
            ));
        }
        if let Some(agreement) = in_force {
            return Err(DomainError::transition(
                "CLIENT",
                "demote to customer",
                format!(
                    "agreement {} (\"{}\") is in force; terminate or let it expire first",
                    agreement.reference, agreement.title
                ),
            ));
        }
        self.0.relationship = RelationshipType::Customer;
        self.touch(now);
        Ok(RelationshipChange {
            from: RelationshipType::Client,
            to: RelationshipType::Customer,
            reason,
            actor: actor.to_owned(),
            at: now,
        })
    }

    /// Names a new manager, or (for customers only) removes the manager.
    pub fn assign_account_manager(
        &mut self,
        manager: Option<&TeamMember>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.ensure_active("assign an account manager")?;
        match manager {
            Some(manager) => {
                Self::ensure_may_manage(manager)?;
                self.0.account_manager = Some(manager.id);
            }
            None if self.0.relationship == RelationshipType::Client => {
                return Err(DomainError::invalid(
                    "accountManagerId",
                    "a client account must have an account manager",
                ));
            }
            None => self.0.account_manager = None,
        }
        self.touch(now);
        Ok(())
    }

    /// Marks the account churned as of `now`; refused while an agreement is in force, naming it
    /// (as demotion is): the account would end churned yet still bound and billed.
    pub fn churn(
        &mut self,
        in_force: Option<&AgreementInForce>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.ensure_active("churn")?;
        if let Some(agreement) = in_force {
            return Err(DomainError::transition(
                self.0.relationship.as_str(),
                "churn",
                format!(
                    "agreement {} (\"{}\") is in force; terminate or let it expire first",
                    agreement.reference, agreement.title
                ),
            ));
        }
        self.0.status = AccountStatus::Churned;
        self.0.churned_at = Some(now);
        self.touch(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
