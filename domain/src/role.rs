//! The roles a principal can hold.

use crate::error::ValidationError;

/// What a caller may do is decided first by its role (see [`crate::permissions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, including team, partners, approvals and erasure.
    Admin,
    /// Manages client accounts and their agreements.
    AccountManager,
    /// Serves customers: reads, edits customer contacts.
    SupportAgent,
    /// Reads everything except erased personal data and secrets.
    Viewer,
    /// An outside organization scoped to the accounts it referred.
    Partner,
}

impl Role {
    /// Every role, in a stable order (used by table tests and docs).
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::AccountManager,
        Role::SupportAgent,
        Role::Viewer,
        Role::Partner,
    ];

    /// The role's wire name (`ACCOUNT_MANAGER`), as used in tokens and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::AccountManager => "ACCOUNT_MANAGER",
            Role::SupportAgent => "SUPPORT_AGENT",
            Role::Viewer => "VIEWER",
            Role::Partner => "PARTNER",
        }
    }

    /// Parses a wire name; anything else is refused.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| ValidationError::new("role", format!("unknown role `{raw}`")))
    }

    /// Whether members with this role may be named an account's manager.
    pub const fn may_manage_accounts(self) -> bool {
        matches!(self, Role::Admin | Role::AccountManager)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_wire_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
    }

    #[test]
    fn an_unknown_or_lowercase_role_is_refused() {
        assert!(Role::parse("admin").is_err());
        assert!(Role::parse("ROOT").is_err());
        assert!(Role::parse("").is_err());
    }
}
