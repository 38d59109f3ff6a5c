//! A team member as reads see it: the columns a domain [`TeamMember`] is made of, read by
//! position (see `by_position`); the lower-cased keys and the times are not part of it.

use rapport_domain::ids::TeamMemberId;
use rapport_domain::role::Role;
use rapport_domain::team::{Subject, TeamMember};
use rapport_domain::values::{EmailAddress, Text};

use super::StoreError;
use super::by_position::{Cols, ReadRow};
use super::entity::team_member::{self, Column};

/// The columns of a team member that make its domain value.
#[derive(Debug)]
pub(super) struct TeamRow {
    id: i64,
    subject: String,
    name: String,
    email: String,
    role: String,
    active: bool,
    version: i32,
}

impl ReadRow for TeamRow {
    type Entity = team_member::Entity;
    const COLUMNS: &'static [Column] = &[
        Column::Id,
        Column::Subject,
        Column::Name,
        Column::Email,
        Column::Role,
        Column::Active,
        Column::Version,
    ];

    fn read(c: &mut Cols<'_>) -> Result<Self, StoreError> {
        // Fields are evaluated in the order written: the order of `COLUMNS`.
        Ok(TeamRow {
            id: c.next()?,
            subject: c.next()?,
            name: c.next()?,
            email: c.next()?,
            role: c.next()?,
            active: c.next()?,
            version: c.next()?,
        })
    }
}

impl From<team_member::Model> for TeamRow {
    fn from(row: team_member::Model) -> Self {
        let team_member::Model {
            id,
            subject,
            name,
            email,
            email_key: _,
            role,
            active,
            version,
            created_at: _,
            updated_at: _,
            name_key: _,
        } = row;
        TeamRow {
            id,
            subject,
            name,
            email,
            role,
            active,
            version,
        }
    }
}

/// A stored team member as a domain value.
pub(super) fn to_domain(row: impl Into<TeamRow>) -> Result<TeamMember, StoreError> {
    let TeamRow {
        id,
        subject,
        name,
        email,
        role,
        active,
        version,
    } = row.into();
    let bad = |e: rapport_domain::ValidationError| StoreError::corrupt("team_members", id, e);
    Ok(TeamMember {
        id: TeamMemberId::new(id),
        name: Text::name_owned("name", name).map_err(bad)?,
        email: EmailAddress::parse_owned(email).map_err(bad)?,
        role: Role::parse(&role).map_err(bad)?,
        active,
        subject: Subject::parse(&subject).map_err(bad)?,
        version,
    })
}
