//! Fields that name a person who acted on a record (`relationshipHistory.actor`, an agreement's
//! `createdBy`/`approvedBy`, its revisions', reviews' and termination's). Staff see who acted
//! as recorded: the JWT subject. A partner sees a display name only, never a subject, an email
//! or an id that leads to the person: a team member's name, its own name for its own actions,
//! [`SYSTEM`] for Rapport's own work (the scheduler, webhooks) and [`OTHER_PARTNER`] for another
//! partner. Partners never receive a `TeamMember` object at all (the team is outside their
//! read scope), so this is the only way a person reaches them.

use std::collections::HashMap;

use async_graphql::Result;

use rapport_domain::ids::TeamMemberId;

use super::context::RequestState;
use super::error::{GqlResultExt, gql};
use crate::error::ApiError;

/// What a partner sees for an actor that is not a person of the team: Rapport's own work.
pub(crate) const SYSTEM: &str = "Rapport";

/// What a partner sees for another partner's action.
pub(crate) const OTHER_PARTNER: &str = "A partner";

/// How the actors of one answer are shown to the caller.
#[derive(Debug)]
pub(crate) struct Shown {
    /// `None` for staff: subjects are shown as recorded.
    names: Option<HashMap<String, String>>,
}

impl Shown {
    /// How `subject` is shown.
    pub(crate) fn of(&self, subject: &str) -> String {
        match &self.names {
            None => subject.to_owned(),
            Some(names) => names.get(subject).cloned().unwrap_or_else(|| {
                if subject.starts_with("partner:") {
                    OTHER_PARTNER.to_owned()
                } else {
                    SYSTEM.to_owned()
                }
            }),
        }
    }
}

/// Resolves how these recorded subjects are shown to the caller, in one batch (through the
/// request's loaders, so a page primed up front costs nothing more).
pub(crate) async fn shown<'a>(
    st: &RequestState,
    subjects: impl IntoIterator<Item = &'a str>,
) -> Result<Shown> {
    let Some(partner) = st.caller.principal.partner() else {
        return Ok(Shown { names: None });
    };
    let mut keys: Vec<String> = subjects.into_iter().map(str::to_owned).collect();
    keys.sort();
    keys.dedup();
    let own = keys.contains(&st.caller.subject);
    let mut names = st.names.load_many(keys).await.gql()?;
    if own && let Some(me) = st.partners.load_one(partner).await.gql()? {
        names.insert(st.caller.subject.clone(), me.name.as_str().to_owned());
    }
    Ok(Shown { names: Some(names) })
}

/// Filtering by account manager is staff's: a partner that names a team member's id in a
/// filter is refused (FORBIDDEN), so it cannot learn which id manages which of its accounts.
pub(crate) fn refuse_team_filter(st: &RequestState, manager: Option<TeamMemberId>) -> Result<()> {
    if manager.is_some() && st.caller.principal.partner().is_some() {
        return Err(gql(ApiError::Forbidden));
    }
    Ok(())
}

/// How one recorded subject is shown to the caller.
pub(crate) async fn show(st: &RequestState, subject: &str) -> Result<String> {
    Ok(shown(st, [subject]).await?.of(subject))
}
