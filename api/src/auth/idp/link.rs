//! A provider user becomes a [`Caller`]: linked to the team member whose subject is the user's
//! subject, else to the member with the user's email (unless the provider says that email is
//! not verified), else — with `jwt.auto_provision` — to a member created now; otherwise
//! refused. Answers go through the authentication cache, so a deactivation or a role change
//! clears them at once.

use chrono::Utc;
use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;
use rapport_domain::team::{Subject, TeamMember};
use rapport_domain::values::{EmailAddress, Text};

use super::{Provider, ProviderIdentity};
use crate::auth::cache::{LinkedMember, MemberFacts};
use crate::auth::jwt::JwtKeys;
use crate::auth::{AuthFailure, Caller};
use crate::store::{NewTeamMember, Store, StoreError};

/// Authenticates a provider token (already known to be one: an asymmetric `alg`).
pub(in crate::auth) async fn authenticate_provider(
    keys: &JwtKeys,
    provider: &Provider,
    store: &Store,
    token: &str,
) -> Result<Caller, AuthFailure> {
    let identity = provider
        .verify(keys, token)
        .await
        .map_err(AuthFailure::Rejected)?;
    let mapped = provider.mapped_role(&identity.roles);
    if mapped == Some(None) {
        return Err(AuthFailure::Subject(
            "no value of the provider's role claim maps to a Rapport role",
        ));
    }
    let cache = store.auth_cache();
    // Taken before any read: an answer read across a change is not kept.
    let ticket = cache.ticket();
    let linked = match cache.linked(&identity.subject) {
        Some(known) => known,
        None => {
            let read = find_member(store, &identity).await?;
            cache.keep_linked(ticket, &identity.subject, read.clone());
            read
        }
    };
    let linked = match linked {
        Some(linked) => linked,
        None => provision(provider, store, &identity, mapped.flatten()).await?,
    };
    if !linked.facts.active {
        return Err(AuthFailure::Subject("team member deactivated"));
    }
    if let Some(Some(role)) = mapped
        && role != linked.facts.role
    {
        return Err(AuthFailure::Subject(
            "the role the provider gives differs from the team member's role",
        ));
    }
    Ok(Caller {
        principal: Principal::Staff {
            member: linked.facts.id,
            role: linked.facts.role,
        },
        subject: linked.subject,
        // Provider tokens are ended at the provider or by deactivating the member; Rapport's
        // revocation list holds only the tokens it issued.
        token_id: String::new(),
    })
}

fn link(member: TeamMember) -> LinkedMember {
    LinkedMember {
        facts: MemberFacts {
            id: member.id,
            role: member.role,
            active: member.active,
        },
        subject: member.subject.as_str().to_owned(),
    }
}

/// The email a user may be linked or provisioned by: present, well-formed, and not declared
/// unverified by the provider.
fn usable_email(identity: &ProviderIdentity) -> Option<EmailAddress> {
    if identity.email_verified == Some(false) {
        return None;
    }
    EmailAddress::parse(identity.email.as_deref()?).ok()
}

async fn find_member(
    store: &Store,
    identity: &ProviderIdentity,
) -> Result<Option<LinkedMember>, StoreError> {
    if let Some(member) = store.team_member_by_subject(&identity.subject).await? {
        return Ok(Some(link(member)));
    }
    match usable_email(identity) {
        Some(email) => Ok(store.team_member_by_email(&email).await?.map(link)),
        None => Ok(None),
    }
}

async fn provision(
    provider: &Provider,
    store: &Store,
    identity: &ProviderIdentity,
    mapped: Option<Role>,
) -> Result<LinkedMember, AuthFailure> {
    let Some(default_role) = provider.auto_provision else {
        return Err(AuthFailure::Subject(
            "unknown to Rapport: no team member has the provider user's subject or email, and \
             jwt.auto_provision is off",
        ));
    };
    let email = usable_email(identity).ok_or(AuthFailure::Subject(
        "cannot provision a team member: the token has no usable, verified email",
    ))?;
    let subject = Subject::parse(&identity.subject)
        .map_err(|_| AuthFailure::Subject("cannot provision a team member: bad subject"))?;
    let name = identity
        .name
        .as_deref()
        .and_then(|name| Text::name("name", name).ok())
        .or_else(|| Text::name("name", email.as_str()).ok())
        .ok_or(AuthFailure::Subject(
            "cannot provision a team member: no name",
        ))?;
    let new = NewTeamMember {
        name,
        email,
        role: mapped.unwrap_or(default_role),
        subject,
    };
    match crate::service::provision_team_member(store, &new, provider.issuer(), Utc::now()).await {
        Ok(member) => {
            tracing::info!(
                subject = %identity.subject, role = member.role.as_str(), member = member.id.get(),
                "team member provisioned for an identity provider user"
            );
            Ok(link(member))
        }
        // Another request (or process) provisioned the same user first: theirs is the member.
        Err(StoreError::Taken { field }) => find_member(store, identity).await?.ok_or_else(|| {
            tracing::warn!(
                subject = %identity.subject, field,
                "cannot provision: the value is already used by a member this user does not \
                 link to"
            );
            AuthFailure::Subject("cannot provision a team member: email or subject in use")
        }),
        Err(err) => Err(AuthFailure::Store(err)),
    }
}
