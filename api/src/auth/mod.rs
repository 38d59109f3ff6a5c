//! Who is calling: a verified JWT turned into a [`Caller`], checked against the team members,
//! partners and revocations in the database — answered from memory once known ([`cache`]), and
//! forgotten on any change to them, so deactivation and revocation take effect on the very next
//! request in the process that made the change and within a second in every other one.

pub mod api_key;
pub mod cache;
#[cfg(test)]
mod claim_bounds_tests;
#[cfg(test)]
mod grace_tests;
pub mod idp;
mod jwks;
pub mod jwt;
mod key_auth;
mod scope;

pub use key_auth::service_subject;
pub use scope::ReadScope;

use chrono::{DateTime, Utc};
use rapport_domain::ids::{PartnerId, TeamMemberId};
use rapport_domain::permissions::{Principal, Scopes};
use rapport_domain::role::Role;
use rapport_domain::team::Subject;

use crate::global_id::{self, Kind};
use crate::store::{Store, StoreError};
use api_key::ApiKeys;
use cache::{MemberFacts, PartnerFacts};
use jwt::{AuthRejection, JwtKeys};

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What the caller may do.
    pub principal: Principal,
    /// The token's subject (recorded as the actor of changes).
    pub subject: String,
    /// The token id (`jti`).
    pub token_id: String,
}

impl Caller {
    /// The rows this caller's reads may return.
    pub fn scope(&self) -> ReadScope {
        ReadScope::of(&self.principal)
    }
}

/// Why authentication failed. Logged; the client only ever sees `UNAUTHENTICATED`.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    /// The token itself was refused.
    #[error("token refused: {0}")]
    Rejected(AuthRejection),
    /// The subject is unknown, inactive, or its role changed since the token was issued.
    #[error("subject not allowed: {0}")]
    Subject(&'static str),
    /// The token id (or the API key) was revoked.
    #[error("token revoked")]
    Revoked,
    /// The API key was refused (malformed, unknown, wrong secret, expired).
    #[error("API key refused: {0}")]
    Key(&'static str),
    /// The database could not be asked.
    #[error("store unavailable")]
    Store(#[from] StoreError),
}

/// Authenticates an `Authorization` header value: a JWT, or an API key (told apart by its
/// prefix, see [`api_key`]).
pub async fn authenticate(
    keys: &JwtKeys,
    api_keys: &ApiKeys,
    store: &Store,
    header: Option<&[u8]>,
) -> Result<Caller, AuthFailure> {
    authenticate_at(keys, api_keys, store, header, Utc::now()).await
}

/// [`authenticate`] at `now`: the time revocations and key expiries are judged at (a token's
/// own expiry is judged by the clock).
pub(crate) async fn authenticate_at(
    keys: &JwtKeys,
    api_keys: &ApiKeys,
    store: &Store,
    header: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<Caller, AuthFailure> {
    let header = header.ok_or(AuthFailure::Rejected(AuthRejection::MissingCredentials))?;
    if let Some(token) = key_auth::bearer_key(header) {
        return key_auth::authenticate_key(api_keys, store, token, now).await;
    }
    if let Some(caller) = provider_sign_in(keys, store, header).await? {
        return Ok(caller);
    }
    let token = keys
        .verify_authorization_header(header)
        .map_err(AuthFailure::Rejected)?;
    // Only values the API could have issued reach the database: a NUL byte in `sub` or `jti`
    // makes PostgreSQL fail the query (the client would get INTERNAL, not UNAUTHENTICATED),
    // and a token whose id could never be revoked is not one to accept.
    let subject = Subject::parse(&token.subject)
        .map_err(|_| AuthFailure::Rejected(AuthRejection::InvalidClaim("sub")))?;
    if !is_token_id(&token.token_id) {
        return Err(AuthFailure::Rejected(AuthRejection::InvalidClaim("jti")));
    }
    let role = Role::parse(&token.role).map_err(|_| AuthFailure::Subject("unknown role"))?;
    let cache = store.auth_cache();
    // Taken before any read: an answer read across a change is not kept.
    let ticket = cache.ticket();
    let principal = if role == Role::Partner {
        let raw = token
            .partner_id
            .as_deref()
            .and_then(|id| global_id::decode(Kind::Partner, id))
            .ok_or(AuthFailure::Subject("partner_id is not a partner id"))?;
        let claimed = PartnerId::new(raw);
        let partner = match cache.partner(claimed) {
            Some(known) => known,
            None => {
                // Read within the scope the token claims: only that partner's own row.
                let read = store
                    .partners_by_ids(
                        ReadScope::of(&Principal::Partner {
                            partner: claimed,
                            scopes: Scopes::ALL,
                        }),
                        &[claimed],
                    )
                    .await?
                    .pop()
                    .map(|p| PartnerFacts {
                        id: p.id,
                        active: p.active,
                    });
                cache.keep_partner(ticket, claimed, read);
                read
            }
        }
        .ok_or(AuthFailure::Subject("unknown partner"))?;
        if !partner.active {
            return Err(AuthFailure::Subject("partner deactivated"));
        }
        Principal::Partner {
            partner: partner.id,
            scopes: Scopes::ALL,
        }
    } else {
        let member = match cache.member(subject.as_str()) {
            Some(known) => known,
            None => {
                let read = store
                    .team_member_by_subject(subject.as_str())
                    .await?
                    .map(|m| MemberFacts {
                        id: m.id,
                        role: m.role,
                        active: m.active,
                    });
                cache.keep_member(ticket, subject.as_str(), read);
                read
            }
        }
        .ok_or(AuthFailure::Subject("unknown team member"))?;
        if !member.active {
            return Err(AuthFailure::Subject("team member deactivated"));
        }
        if member.role != role {
            return Err(AuthFailure::Subject(
                "role changed since the token was issued",
            ));
        }
        Principal::Staff {
            member: member.id,
            role,
        }
    };
    let revocation = match cache.revoked(&token.token_id) {
        Some(known) => known,
        None => {
            let read = store.token_revocation(&token.token_id).await?;
            cache.keep_revoked(ticket, &token.token_id, read);
            read
        }
    };
    // Judged at every request, cached or not: a revocation still to come (a rotation's grace
    // period) refuses the token from its time on.
    if revocation.is_some_and(|from| from <= now) {
        return Err(AuthFailure::Revoked);
    }
    if matches!(principal, Principal::Partner { .. }) {
        record_token_use(api_keys, store, &token.token_id, now).await;
    }
    Ok(Caller {
        principal,
        subject: token.subject,
        token_id: token.token_id,
    })
}

/// Records a partner token's last use in the register, at most once a minute per token and
/// process (and not at all when another process did within the minute): the request that is
/// due writes it (one `UPDATE` by primary key) before it goes on, so the write belongs to a
/// known request and the next ones run none. A token not in the register changes no row; a
/// failed write is logged and does not refuse the request.
async fn record_token_use(api_keys: &ApiKeys, store: &Store, token_id: &str, now: DateTime<Utc>) {
    if !api_keys.due_for_token_use(token_id) {
        return;
    }
    let gap = chrono::Duration::from_std(api_key::LAST_USE_GAP)
        .unwrap_or_else(|_| chrono::Duration::minutes(1));
    if let Err(err) = store.touch_partner_token(token_id, now, gap).await {
        tracing::warn!(error = %err, "could not record a partner token's last use");
    }
}

/// Signs in an identity provider's user when `jwt.jwks_url` is set and the token is the
/// provider's (an asymmetric `alg`); `None` leaves the token to Rapport's own keys.
async fn provider_sign_in(
    keys: &JwtKeys,
    store: &Store,
    header: &[u8],
) -> Result<Option<Caller>, AuthFailure> {
    let Some(provider) = keys.provider() else {
        return Ok(None);
    };
    let token = keys.bearer_token(header).map_err(AuthFailure::Rejected)?;
    let is_provider_token = idp::header_algorithm(token)
        .and_then(|alg| jwt::JwtAlgorithm::from_jose_name(&alg))
        .is_some_and(jwt::JwtAlgorithm::is_asymmetric);
    if !is_provider_token {
        return Ok(None);
    }
    idp::authenticate_provider(keys, provider, store, token)
        .await
        .map(Some)
}

/// Whether `raw` has the shape of a token id (`jti`) that can be revoked: 1 to 64 ASCII
/// letters, digits or dashes (minted tokens carry a uuid).
pub fn is_token_id(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= 64 && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The subject partner tokens carry; a partner token with any other `sub` is refused.
pub fn partner_subject(partner: PartnerId) -> String {
    format!(
        "{}{}",
        jwt::PARTNER_SUBJECT_PREFIX,
        global_id::encode(Kind::Partner, partner.get())
    )
}

/// For log lines: which member a principal is, if staff.
pub fn member_of(principal: &Principal) -> Option<TeamMemberId> {
    match principal {
        Principal::Staff { member, .. } => Some(*member),
        Principal::Service { .. } | Principal::Partner { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_id_is_a_token_id_and_odd_ones_are_not() {
        assert!(is_token_id(&uuid::Uuid::new_v4().to_string()));
        for odd in ["", "a\0b", "a b", "a_b", "é", &"a".repeat(65)] {
            assert!(!is_token_id(odd), "{odd:?}");
        }
    }
}
