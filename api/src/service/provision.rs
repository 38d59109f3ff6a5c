//! A team member created at sign-in for a user of the identity provider (`jwt.auto_provision`).

use chrono::{DateTime, Utc};
use rapport_domain::team::TeamMember;
use serde_json::json;

use crate::store::{AuditRecord, NewTeamMember, Store, StoreError};

/// Most characters of an audit actor.
const MAX_ACTOR_CHARS: usize = 200;

/// Inserts `new` and its audit row (actor `idp:<issuer>`) in one transaction. Two processes
/// provisioning the same user race on the unique subject (and email): the loser gets
/// [`StoreError::Taken`] and reads the winner's member.
pub async fn provision_team_member(
    store: &Store,
    new: &NewTeamMember,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<TeamMember, StoreError> {
    let tx = store.begin().await?;
    let member = tx.insert_team_member(new, now).await?;
    tx.audit(AuditRecord {
        actor: format!("idp:{issuer}")
            .chars()
            .take(MAX_ACTOR_CHARS)
            .collect(),
        action: "provisionTeamMember",
        entity_type: "TeamMember",
        entity_id: member.id.get(),
        before: None,
        after: Some(json!({
            "subject": member.subject.as_str(),
            "email": member.email.as_str(),
            "role": member.role.as_str(),
        })),
        request_id: "sign-in".into(),
        at: now,
    })
    .await?;
    tx.commit().await?;
    Ok(member)
}
