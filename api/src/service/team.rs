use rapport_domain::events::DomainEvent;
use rapport_domain::ids::TeamMemberId;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::role::Role;
use rapport_domain::team::TeamMember;
use rapport_domain::values::{EmailAddress, Text};

use super::record::{Change, record};
use super::{Ctx, check_version, snapshot};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::{NewTeamMember, Tx};

/// Adds a team member (admin only).
pub async fn create_team_member(ctx: &Ctx<'_>, new: NewTeamMember) -> Result<TeamMember, ApiError> {
    ctx.authorize(Action::ManageTeam, &Resource::Global, "team member")?;
    let tx = ctx.store.begin().await?;
    let member = tx.insert_team_member(&new, ctx.now).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createTeamMember",
            kind: Kind::TeamMember,
            id: member.id.get(),
            before: None,
            after: Some(snapshot::team_member(&member)),
            events: vec![DomainEvent::TeamMemberCreated(member.id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(member)
}

/// What an update may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct TeamMemberChanges {
    /// New name.
    pub name: Option<Text>,
    /// New email.
    pub email: Option<EmailAddress>,
    /// New staff role.
    pub role: Option<Role>,
    /// Activate or deactivate; deactivation refuses the member's tokens on their next request.
    pub active: Option<bool>,
}

/// Edits a team member (admin only). A member who manages clients keeps the ability to manage
/// them until the clients are reassigned, and the last active admin stays an active admin.
pub async fn update_team_member(
    ctx: &Ctx<'_>,
    id: TeamMemberId,
    expected_version: i32,
    changes: TeamMemberChanges,
) -> Result<TeamMember, ApiError> {
    ctx.authorize(Action::ManageTeam, &Resource::Global, "team member")?;
    let tx = ctx.store.begin().await?;
    let mut member = tx
        .load_team_member(id)
        .await?
        .ok_or(ApiError::NotFound("team member"))?;
    check_version(member.version, expected_version)?;
    let before = snapshot::team_member(&member);
    let was_admin = is_active_admin(&member);
    if let Some(name) = changes.name {
        member.name = name;
    }
    if let Some(email) = changes.email {
        member.email = email;
    }
    if let Some(role) = changes.role {
        member.role = rapport_domain::team::staff_role(role)?;
    }
    if let Some(active) = changes.active {
        member.active = active;
    }
    keeps_team_rules(&tx, was_admin, &member).await?;
    let saved = tx
        .save_team_member(member, expected_version, ctx.now)
        .await?;
    record(
        &tx,
        ctx,
        Change {
            action: "updateTeamMember",
            kind: Kind::TeamMember,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::team_member(&saved)),
            events: vec![DomainEvent::TeamMemberUpdated(id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

fn is_active_admin(member: &TeamMember) -> bool {
    member.active && member.role == Role::Admin
}

/// Refuses a change to a member (`member` as changed; `was_admin`: whether it was an active
/// admin before) that breaks the team's rules: a member who manages clients keeps the ability
/// to manage them until the clients are reassigned, and the last active admin stays an active
/// admin. Counted in `tx`, so changes made earlier in the same transaction count.
pub(crate) async fn keeps_team_rules(
    tx: &Tx,
    was_admin: bool,
    member: &TeamMember,
) -> Result<(), ApiError> {
    let field = if member.active { "role" } else { "active" };
    if !member.may_manage_accounts() && tx.managed_client_count(member.id).await? > 0 {
        return Err(ApiError::bad_input(
            field,
            "this member manages client accounts; assign them another manager first",
        ));
    }
    if was_admin && !is_active_admin(member) && tx.active_admin_count().await? <= 1 {
        return Err(ApiError::bad_input(
            field,
            "the last active admin cannot stop being one",
        ));
    }
    Ok(())
}
