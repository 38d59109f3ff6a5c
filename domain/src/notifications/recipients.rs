//! Audiences expanded over the team.

use std::collections::BTreeSet;

use super::Audience;
use crate::ids::TeamMemberId;
use crate::role::Role;

/// A team member as the inbox sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The member.
    pub id: TeamMemberId,
    /// Their role.
    pub role: Role,
    /// Inactive members are never notified.
    pub active: bool,
}

/// The members `audiences` name, in id order and once each: only active members of `team`,
/// and never `actor` (nobody is notified of their own action).
pub fn recipients(
    audiences: &[Audience],
    team: &[Member],
    actor: Option<TeamMemberId>,
) -> Vec<TeamMemberId> {
    let mut out = BTreeSet::new();
    for audience in audiences {
        for member in team.iter().filter(|m| m.active) {
            let named = match audience {
                Audience::Member(id) => member.id == *id,
                Audience::Role(role) => member.role == *role && *role != Role::Partner,
                Audience::RoleExcept(role, except) => {
                    member.role == *role && *role != Role::Partner && !except.contains(&member.id)
                }
            };
            if named && Some(member.id) != actor {
                out.insert(member.id);
            }
        }
    }
    out.into_iter().collect()
}
