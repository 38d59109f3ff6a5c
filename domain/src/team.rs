//! Staff identities.

use crate::error::ValidationError;
use crate::ids::TeamMemberId;
use crate::role::Role;
use crate::values::{EmailAddress, Text};

/// A member of staff. `subject` is the JWT `sub` their tokens carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// Identity.
    pub id: TeamMemberId,
    /// Display name.
    pub name: Text,
    /// Work email.
    pub email: EmailAddress,
    /// Role (never `PARTNER`).
    pub role: Role,
    /// Deactivated members are refused on their very next request.
    pub active: bool,
    /// The JWT subject.
    pub subject: Subject,
    /// Optimistic-concurrency version.
    pub version: i32,
}

impl TeamMember {
    /// Whether this member may be named an account's manager right now.
    pub fn may_manage_accounts(&self) -> bool {
        self.active && self.role.may_manage_accounts()
    }
}

/// A JWT subject: 1–200 printable ASCII characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// Parses a subject.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty() && raw.len() <= 200 && raw.chars().all(|c| c.is_ascii_graphic());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                "subject",
                "must be 1 to 200 printable ASCII characters without spaces",
            ))
        }
    }

    /// The subject.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A staff role: any role but `PARTNER`, which belongs to partners.
pub fn staff_role(role: Role) -> Result<Role, ValidationError> {
    if role == Role::Partner {
        Err(ValidationError::new(
            "role",
            "team members cannot have the PARTNER role; create a partner instead",
        ))
    } else {
        Ok(role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_with_spaces_is_refused() {
        assert!(Subject::parse("ada lovelace").is_err());
        assert!(Subject::parse("").is_err());
        assert!(Subject::parse("ada@example.com").is_ok());
    }

    #[test]
    fn a_team_member_cannot_hold_the_partner_role() {
        assert!(staff_role(Role::Partner).is_err());
        assert_eq!(staff_role(Role::Viewer), Ok(Role::Viewer));
    }
}
