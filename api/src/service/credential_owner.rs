//! Whose credentials a caller manages: an admin every one (`ManageTokens`), a partner its own
//! (`ManageOwnCredentials`). Shared by API keys, partner tokens and the one listing of both.

use rapport_domain::ids::PartnerId;
use rapport_domain::permissions::{Action, Principal, Resource};

use super::Ctx;
use crate::error::ApiError;

/// Checks the caller may manage credentials; `Some(partner)` when only its own. `what` names
/// the kind of credential in a refusal.
pub(super) fn credential_owner(
    ctx: &Ctx<'_>,
    what: &'static str,
) -> Result<Option<PartnerId>, ApiError> {
    match ctx.caller.principal {
        Principal::Partner { partner, .. } => {
            ctx.authorize(Action::ManageOwnCredentials, &Resource::Global, what)?;
            Ok(Some(partner))
        }
        _ => {
            ctx.authorize(Action::ManageTokens, &Resource::Global, what)?;
            Ok(None)
        }
    }
}
