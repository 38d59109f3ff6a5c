//! Team member rows (admins only, as `createTeamMember` / `updateTeamMember`): matched by
//! subject, then email (as the import says), then created, updated, found unchanged or
//! refused. A change keeps the team's rules (the last active admin stays one, a manager of
//! clients keeps the ability to manage them), counted in the import's transaction so the rows
//! before it count.

use std::collections::HashMap;

use rapport_domain::events::DomainEvent;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::role::Role;
use rapport_domain::team::{Subject, TeamMember, staff_role};
use rapport_domain::values::{EmailAddress, Text};

use super::driver::{Applied, RowKind};
use super::rows::{Cells, Refusal, refuse};
use super::{ImportOptions, MatchBy, Outcome};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::record::{Change, record};
use crate::service::team::keeps_team_rules;
use crate::service::{Ctx, snapshot};
use crate::store::Grown;
use crate::store::{NewTeamMember, Tx};

/// The columns of a team members file.
pub const TEAM_MEMBER_COLUMNS: &[&str] = &["subject", "email", "name", "role", "active"];

/// A team member row as read: `None` where the file has no such column or the cell is empty
/// (an empty cell keeps what the member has).
pub(super) struct Row {
    subject: Option<Subject>,
    email: Option<EmailAddress>,
    name: Option<Text>,
    role: Option<Role>,
    active: Option<bool>,
}

fn read(cells: &Cells<'_>) -> Result<Row, Refusal> {
    let role = cells
        .value("role")
        .map(|v| {
            Role::parse(&v.to_ascii_uppercase())
                .and_then(staff_role)
                .map_err(|e| refuse("role", e.message))
        })
        .transpose()?;
    let active = cells
        .value("active")
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" => Ok(false),
            _ => Err(refuse("active", "must be true or false")),
        })
        .transpose()?;
    Ok(Row {
        subject: cells
            .value("subject")
            .map(|v| Subject::parse(v).map_err(|e| refuse("subject", e.message)))
            .transpose()?,
        email: cells
            .value("email")
            .map(|v| EmailAddress::parse(v).map_err(|e| refuse("email", e.message)))
            .transpose()?,
        name: cells
            .value("name")
            .map(|v| Text::name("name", v).map_err(|e| refuse("name", e.message)))
            .transpose()?,
        role,
        active,
    })
}

/// What the chunk's rows may match.
pub(super) struct Found {
    by_subject: HashMap<String, TeamMember>,
    by_email: HashMap<String, TeamMember>,
}

fn name(member: &TeamMember) -> String {
    global_id::encode(Kind::TeamMember, member.id.get())
}

/// The member a row is about, by the import's matching order, refusing a row whose subject
/// and email name two different members.
fn matched(
    options: &ImportOptions,
    found: &Found,
    row: &Row,
) -> Result<Option<TeamMember>, Refusal> {
    let by_subject = row
        .subject
        .as_ref()
        .and_then(|s| found.by_subject.get(s.as_str()));
    let by_email = row
        .email
        .as_ref()
        .and_then(|e| found.by_email.get(&e.normalized()));
    let hit = options.match_by.iter().find_map(|m| match m {
        MatchBy::Subject => by_subject,
        MatchBy::Email => by_email,
        MatchBy::Id | MatchBy::ExternalId | MatchBy::Domain => None,
    });
    if let Some(other) = by_email
        && hit.is_none_or(|h| h.id != other.id)
    {
        return Err(refuse(
            "email",
            format!(
                "is already the email of team member {}: a possible duplicate, not merged",
                name(other)
            ),
        ));
    }
    if let (Some(hit), Some(subject)) = (hit, &row.subject)
        && hit.subject != *subject
    {
        return Err(refuse(
            "subject",
            format!(
                "the team member this row matches ({}) has the subject {}; an import does not change a subject",
                name(hit),
                hit.subject.as_str()
            ),
        ));
    }
    if hit.is_none()
        && let Some(other) = by_subject
    {
        return Err(refuse(
            "subject",
            format!(
                "is already the subject of team member {}; match by subject to update it",
                name(other)
            ),
        ));
    }
    Ok(hit.cloned())
}

/// Team member rows.
pub(super) struct TeamMembers;

impl RowKind for TeamMembers {
    type Row = Row;
    type Found = Found;
    type Write = std::convert::Infallible;

    const COLUMNS: &'static [&'static str] = TEAM_MEMBER_COLUMNS;
    const GROWS: Grown = Grown::TeamMembers;

    fn read(cells: &Cells<'_>, _options: &ImportOptions) -> Result<Row, Refusal> {
        read(cells)
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        if let Some(s) = &row.subject {
            keys.push(("subject", s.as_str().to_owned()));
        }
        if let Some(e) = &row.email {
            keys.push(("email", e.normalized()));
        }
        keys
    }

    async fn look_up(tx: &Tx, _ctx: &Ctx<'_>, rows: &[&Row]) -> Result<Found, ApiError> {
        let subjects: Vec<String> = rows
            .iter()
            .filter_map(|r| r.subject.as_ref().map(|s| s.as_str().to_owned()))
            .collect();
        let emails: Vec<String> = rows
            .iter()
            .filter_map(|r| r.email.as_ref().map(EmailAddress::normalized))
            .collect();
        Ok(Found {
            by_subject: tx.team_members_by_subjects(&subjects).await?,
            by_email: tx.team_members_by_email_keys(&emails).await?,
        })
    }

    async fn apply(
        tx: &Tx,
        ctx: &Ctx<'_>,
        options: &ImportOptions,
        found: &mut Found,
        row: Row,
    ) -> Result<Applied, ApiError> {
        ctx.authorize(Action::ManageTeam, &Resource::Global, "team member")?;
        match matched(options, found, &row) {
            Err(r) => Ok(Err(r)),
            Ok(None) => create(tx, ctx, row).await,
            Ok(Some(member)) => update(tx, ctx, row, member).await,
        }
    }

    fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
        Ok(match err {
            ApiError::BadUserInput { field, message } => (field, message),
            ApiError::NotFound(what) => refuse("row", format!("{what} not found")),
            ApiError::Forbidden => refuse("row", "only admins may change the team"),
            ApiError::Conflict(m) | ApiError::InvalidTransition { message: m, .. } => {
                refuse("row", m)
            }
            other @ (ApiError::Unauthenticated | ApiError::Internal(_)) => return Err(other),
        })
    }
}

async fn create(tx: &Tx, ctx: &Ctx<'_>, row: Row) -> Result<Applied, ApiError> {
    let new = match (row.subject, row.email, row.name, row.role) {
        (Some(subject), Some(email), Some(name), Some(role)) => NewTeamMember {
            name,
            email,
            role,
            subject,
        },
        (subject, email, name, _) => {
            let missing = [
                (subject.is_none(), "subject"),
                (email.is_none(), "email"),
                (name.is_none(), "name"),
            ]
            .into_iter()
            .find_map(|(missing, column)| missing.then_some(column))
            .unwrap_or("role");
            return Ok(Err(refuse(missing, "is required for a new team member")));
        }
    };
    let mut member = tx.insert_team_member(&new, ctx.now).await?;
    if row.active == Some(false) {
        member.active = false;
        member = tx.save_team_member(member, 1, ctx.now).await?;
    }
    record(
        tx,
        ctx,
        Change {
            action: "importTeamMember",
            kind: Kind::TeamMember,
            id: member.id.get(),
            before: None,
            after: Some(snapshot::team_member(&member)),
            events: vec![DomainEvent::TeamMemberCreated(member.id)],
        },
    )
    .await?;
    Ok(Ok((Outcome::Create, Some(member.id.get()))))
}

async fn update(
    tx: &Tx,
    ctx: &Ctx<'_>,
    row: Row,
    current: TeamMember,
) -> Result<Applied, ApiError> {
    let mut member = current.clone();
    let was_admin = member.active && member.role == Role::Admin;
    if let Some(name) = row.name {
        member.name = name;
    }
    if let Some(email) = row.email {
        member.email = email;
    }
    if let Some(role) = row.role {
        member.role = role;
    }
    if let Some(active) = row.active {
        member.active = active;
    }
    if member == current {
        return Ok(Ok((Outcome::Unchanged, Some(member.id.get()))));
    }
    keeps_team_rules(tx, was_admin, &member).await?;
    let saved = tx
        .save_team_member(member, current.version, ctx.now)
        .await?;
    record(
        tx,
        ctx,
        Change {
            action: "importTeamMember",
            kind: Kind::TeamMember,
            id: saved.id.get(),
            before: Some(snapshot::team_member(&current)),
            after: Some(snapshot::team_member(&saved)),
            events: vec![DomainEvent::TeamMemberUpdated(saved.id)],
        },
    )
    .await?;
    Ok(Ok((Outcome::Update, Some(saved.id.get()))))
}
