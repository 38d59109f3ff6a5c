//! One listing of every credential the caller manages: API keys and registered partner
//! tokens, newest first. An admin sees every one; a partner its own.

use super::Ctx;
use super::credential_owner::credential_owner;
use crate::error::ApiError;
use crate::store::{ApiKey, PartnerToken};

/// A credential as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API key of a service account.
    ApiKey(ApiKey),
    /// A registered partner token.
    PartnerToken(PartnerToken),
}

impl Credential {
    fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Credential::ApiKey(k) => k.created_at,
            Credential::PartnerToken(t) => t.created_at,
        }
    }
}

/// The API keys and registered partner tokens the caller may see, newest first (at most
/// `KEY_LIST_LIMIT` of each kind).
pub async fn credentials(ctx: &Ctx<'_>) -> Result<Vec<Credential>, ApiError> {
    credential_owner(ctx, "credential")?;
    let scope = ctx.caller.scope();
    let keys = ctx.store.api_keys(scope).await?;
    let tokens = ctx.store.partner_tokens(scope).await?;
    let mut out: Vec<Credential> = keys
        .into_iter()
        .map(Credential::ApiKey)
        .chain(tokens.into_iter().map(Credential::PartnerToken))
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.created_at()));
    Ok(out)
}
