//! What a machine credential (an API key of a service account) may be used for: a small closed
//! set of scopes, each covering a group of [`Action`]s. A service account acts as its role
//! narrowed by its scopes: [`authorize`](super::authorize) allows an action only if the role
//! allows it *and* the principal's scopes cover it. People (staff and partner JWTs) hold every
//! scope, so for them nothing changes.

use super::Action;
use crate::error::ValidationError;

/// One scope. Every action belongs to exactly one scope ([`Scope::of`]), so a new action
/// cannot be added without deciding which scope grants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Every read: accounts, contacts, team, partners, agreements, the audit log.
    Read,
    /// Create and change accounts (promote, demote, assign a manager, churn, confirm domains).
    AccountsWrite,
    /// Create, change and erase contacts.
    ContactsWrite,
    /// Record interactions with contacts (a help desk's calls).
    InteractionsWrite,
    /// Record measurements against agreements' metrics (a monitoring feed).
    MeasurementsWrite,
    /// Draft, approve, review and terminate agreements.
    AgreementsWrite,
    /// Administration: team, partners, tokens and keys, integrations, webhooks.
    Manage,
}

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 7] = [
        Scope::Read,
        Scope::AccountsWrite,
        Scope::ContactsWrite,
        Scope::InteractionsWrite,
        Scope::MeasurementsWrite,
        Scope::AgreementsWrite,
        Scope::Manage,
    ];

    /// The scope an action needs.
    pub const fn of(action: Action) -> Scope {
        use Action as A;
        match action {
            A::ReadAccount
            | A::ReadContact
            | A::ReadTeam
            | A::ReadPartners
            | A::ReadAuditLog
            | A::ReadAgreement
            | A::ReadAgreementTerms => Scope::Read,
            A::CreateAccount
            | A::UpdateAccount
            | A::PromoteToClient
            | A::DemoteToCustomer
            | A::AssignAccountManager
            | A::ChurnAccount
            | A::ConfirmAccountDomains => Scope::AccountsWrite,
            A::CreateContact | A::UpdateContact | A::EraseContact => Scope::ContactsWrite,
            A::RecordInteraction => Scope::InteractionsWrite,
            A::RecordMeasurements => Scope::MeasurementsWrite,
            A::DraftAgreement
            | A::ApproveAgreement
            | A::ReviewAgreement
            | A::TerminateAgreement => Scope::AgreementsWrite,
            A::ManageTeam
            | A::ManagePartners
            | A::ManageTokens
            | A::ManageOwnCredentials
            | A::ManageIntegrations
            | A::ManageWebhooks => Scope::Manage,
        }
    }

    /// The wire name (`measurements:write`), as shown to users and stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::AccountsWrite => "accounts:write",
            Scope::ContactsWrite => "contacts:write",
            Scope::InteractionsWrite => "interactions:write",
            Scope::MeasurementsWrite => "measurements:write",
            Scope::AgreementsWrite => "agreements:write",
            Scope::Manage => "manage",
        }
    }

    /// Parses a wire name; anything else is refused, naming the known scopes.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == raw)
            .ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                ValidationError::new(
                    "scopes",
                    format!("unknown scope `{raw}` (known: {})", known.join(", ")),
                )
            })
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes. Never empty once parsed ([`Scopes::parse`]): a key that may do nothing is
/// a mistake worth refusing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scopes(u8);

impl Scopes {
    /// Every scope: what people hold.
    pub const ALL: Scopes = Scopes((1 << Scope::ALL.len()) - 1);

    /// Exactly these scopes.
    pub fn of(scopes: &[Scope]) -> Self {
        Scopes(scopes.iter().fold(0, |bits, s| bits | s.bit()))
    }

    /// Whether `scope` is in the set.
    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Whether the set covers `action`.
    pub const fn permits(self, action: Action) -> bool {
        self.contains(Scope::of(action))
    }

    /// The scopes in the set, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The wire names, space-separated (`read measurements:write`), as stored.
    pub fn to_wire(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Parses wire names (from a list or a space-separated string); refuses unknown names and
    /// an empty set.
    pub fn parse<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Self, ValidationError> {
        let mut scopes = Vec::new();
        for name in raw.into_iter().flat_map(str::split_whitespace) {
            scopes.push(Scope::parse(name)?);
        }
        if scopes.is_empty() {
            return Err(ValidationError::new(
                "scopes",
                "name at least one scope (read-only keys take `read`)",
            ));
        }
        Ok(Scopes::of(&scopes))
    }
}
