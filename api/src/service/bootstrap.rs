use chrono::{DateTime, Utc};
use rapport_domain::role::Role;
use rapport_domain::team::{Subject, TeamMember};
use rapport_domain::values::{EmailAddress, Text};
use serde_json::json;

use crate::config::AuthSettings;
use crate::error::ApiError;
use crate::store::{AuditRecord, NewTeamMember, Store};

/// On an empty database, creates the bootstrap admin so the first operator can sign in.
/// Returns the member when it was created now.
pub async fn ensure_bootstrap_admin(
    store: &Store,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<TeamMember>, ApiError> {
    if !store.team_is_empty().await? {
        return Ok(None);
    }
    let new = NewTeamMember {
        name: Text::name("name", "Bootstrap Admin")?,
        email: EmailAddress::parse(&settings.bootstrap_admin_email)
            .map_err(|e| e.at("auth.bootstrap_admin_email"))?,
        role: Role::Admin,
        subject: Subject::parse(&settings.bootstrap_admin_subject)
            .map_err(|e| e.at("auth.bootstrap_admin_subject"))?,
    };
    let tx = store.begin().await?;
    let member = tx.insert_team_member(&new, now).await?;
    tx.audit(AuditRecord {
        actor: "system".into(),
        action: "bootstrapAdmin",
        entity_type: "TeamMember",
        entity_id: member.id.get(),
        before: None,
        after: Some(json!({"subject": member.subject.as_str(), "role": "ADMIN"})),
        request_id: "bootstrap".into(),
        at: now,
    })
    .await?;
    tx.commit().await?;
    Ok(Some(member))
}
