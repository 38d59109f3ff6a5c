//! Authenticating an API key: its row by lookup id, its hash compared in constant time, its
//! revocation, expiry and account checked on every request (revoking or rotating a key
//! takes effect on the very next one), its last use recorded at most once a minute.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::PartnerId;
use rapport_domain::permissions::{Principal, Scopes};

use super::api_key::{self, ApiKeys, KeyKind, LAST_USE_GAP};
use super::cache::PartnerFacts;
use super::{AuthFailure, Caller, ReadScope};
use crate::global_id::{self, Kind};
use crate::store::Store;

/// The subject a service account acts as: audit rows and events name it as the actor.
pub fn service_subject(account: rapport_domain::ids::ServiceAccountId) -> String {
    format!(
        "service-account:{}",
        global_id::encode(Kind::ServiceAccount, account.get())
    )
}

/// The bearer value of an `Authorization` header, if it is meant as an API key.
pub(super) fn bearer_key(header: &[u8]) -> Option<&str> {
    let value = std::str::from_utf8(header).ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && api_key::is_api_key(token)).then_some(token)
}

/// Authenticates `token`, a bearer value with an API key's prefix, at `now`.
pub(super) async fn authenticate_key(
    api_keys: &ApiKeys,
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Caller, AuthFailure> {
    let presented = api_key::parse(token).ok_or(AuthFailure::Key("malformed API key"))?;
    let found = store
        .api_key_by_lookup(presented.lookup)
        .await?
        .ok_or(AuthFailure::Key("unknown API key"))?;
    if !api_keys.verify(&presented, &found.secret_hash) {
        return Err(AuthFailure::Key("wrong API key secret"));
    }
    let key = found.key;
    if key.revoked_at.is_some() {
        return Err(AuthFailure::Revoked);
    }
    if key.expires_at.is_some_and(|at| at <= now) {
        return Err(AuthFailure::Key("API key expired"));
    }
    let account = &key.account;
    if !account.active {
        return Err(AuthFailure::Subject("service account deactivated"));
    }
    let kind = if account.partner.is_some() {
        KeyKind::Partner
    } else {
        KeyKind::Staff
    };
    if kind != presented.kind {
        return Err(AuthFailure::Key(
            "API key prefix does not match its account",
        ));
    }
    let principal = match account.partner {
        Some(partner) => {
            let facts = partner_facts(store, partner)
                .await?
                .ok_or(AuthFailure::Subject("unknown partner"))?;
            if !facts.active {
                return Err(AuthFailure::Subject("partner deactivated"));
            }
            Principal::Partner {
                partner,
                scopes: account.scopes,
            }
        }
        None => Principal::Service {
            account: account.id,
            role: account.role,
            scopes: account.scopes,
        },
    };
    if api_keys.due_for_last_use(key.id) {
        let store = store.clone();
        let gap = Duration::from_std(LAST_USE_GAP).unwrap_or(Duration::minutes(1));
        tokio::spawn(async move {
            if let Err(err) = store.touch_api_key(key.id, now, gap).await {
                tracing::warn!(error = %err, "could not record an API key's last use");
            }
        });
    }
    Ok(Caller {
        principal,
        subject: service_subject(account.id),
        token_id: format!("key-{}", key.lookup),
    })
}

/// The partner's facts, from the authentication cache when known.
async fn partner_facts(
    store: &Store,
    partner: PartnerId,
) -> Result<Option<PartnerFacts>, AuthFailure> {
    let cache = store.auth_cache();
    let ticket = cache.ticket();
    if let Some(known) = cache.partner(partner) {
        return Ok(known);
    }
    let read = store
        .partners_by_ids(
            ReadScope::of(&Principal::Partner {
                partner,
                scopes: Scopes::ALL,
            }),
            &[partner],
        )
        .await?
        .pop()
        .map(|p| PartnerFacts {
            id: p.id,
            active: p.active,
        });
    cache.keep_partner(ticket, partner, read);
    Ok(read)
}
