use super::AccountKind;
use super::AcquisitionChannel;
use super::domains::{self, AccountDomain, NamedBy};
use crate::error::ValidationError;
use crate::ids::{AccountId, PartnerId, TeamMemberId};
use crate::permissions::Principal;
use crate::values::{EmailDomain, Text};

/// A validated request to create an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Display name.
    pub name: Text,
    /// Individual or organization.
    pub kind: AccountKind,
    /// Parent account, if part of a group.
    pub parent: Option<AccountId>,
    /// Email domains named for the account, sorted and deduplicated. Unconfirmed until
    /// [`NewAccount::by`] says staff named them.
    pub domains: Vec<AccountDomain>,
    /// How the account came to us.
    pub acquisition_channel: AcquisitionChannel,
    /// The partner who referred it.
    pub partner: Option<PartnerId>,
    /// The member of staff who creates it, set by [`NewAccount::by`].
    pub created_by: Option<TeamMemberId>,
}

impl NewAccount {
    /// Checks the cross-field rules of a new account: a partner-referred account must be
    /// acquired through the partner channel, and domains are deduplicated. The domains start as
    /// unconfirmed claims and the creator as unknown: [`NewAccount::by`] sets both from who
    /// creates the account.
    pub fn new(
        name: Text,
        kind: AccountKind,
        parent: Option<AccountId>,
        domains: Vec<EmailDomain>,
        acquisition_channel: AcquisitionChannel,
        partner: Option<PartnerId>,
    ) -> Result<Self, ValidationError> {
        if partner.is_some() && acquisition_channel != AcquisitionChannel::Partner {
            return Err(ValidationError::new(
                "acquisitionChannel",
                "must be PARTNER when a referring partner is given",
            ));
        }
        let domains = domains::dedup(domains)?
            .into_iter()
            .map(|d| AccountDomain::named(d, NamedBy::Partner))
            .collect();
        Ok(Self {
            name,
            kind,
            parent,
            domains,
            acquisition_channel,
            partner,
            created_by: None,
        })
    }

    /// The account as `principal` creates it: a member of staff is recorded as its creator and
    /// the domains it names are confirmed; a partner's domains stay unconfirmed claims.
    #[must_use]
    pub fn by(mut self, principal: &Principal) -> Self {
        let named_by = NamedBy::of(principal);
        self.created_by = match principal {
            Principal::Staff { member, .. } => Some(*member),
            // A service account is no team member: nobody is recorded as the creator.
            Principal::Service { .. } | Principal::Partner { .. } => None,
        };
        for d in &mut self.domains {
            d.confirmed = named_by == NamedBy::Staff;
        }
        self
    }
}
