//! Token revocations. A revocation takes effect at once, or at a later time (a rotation's
//! grace end): verification reads when it takes effect and compares it with the request's
//! time, so an answer kept in the authentication cache stays right after that time passes.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::entity::revoked_token;
use super::{Store, StoreError, Tx};

/// When a revocation row takes effect: its `effective_at`, else when it was made.
fn effective(row: &revoked_token::Model) -> DateTime<Utc> {
    row.effective_at.unwrap_or(row.revoked_at)
}

impl Store {
    /// When the token id's revocation takes effect (`None`: not revoked). A time after now is
    /// a revocation still to come (the end of a rotation's grace period).
    pub async fn token_revocation(
        &self,
        token_id: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(revoked_token::Entity::find_by_id(token_id.to_owned())
            .one(self.reader())
            .await?
            .as_ref()
            .map(effective))
    }
}

impl Tx {
    /// [`Store::token_revocation`], inside the transaction.
    pub async fn token_revocation(
        &self,
        token_id: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(revoked_token::Entity::find_by_id(token_id.to_owned())
            .one(&self.inner)
            .await?
            .as_ref()
            .map(effective))
    }

    /// Revokes the token id from `from` on (`now` or later); revoking twice is not an error.
    /// A revocation already taking effect by `from` is kept as it is; a later one is brought
    /// forward to `from`. Returns whether anything changed.
    pub async fn revoke_token(
        &self,
        token_id: &str,
        by: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let from = from.max(now);
        let later = (from > now).then_some(from);
        let found = revoked_token::Entity::find_by_id(token_id.to_owned())
            .one(&self.inner)
            .await?;
        if let Some(row) = found {
            if effective(&row) <= from {
                return Ok(false);
            }
            self.auth_changed().await?;
            let mut row: revoked_token::ActiveModel = row.into();
            row.effective_at = Set(Some(from));
            row.revoked_by = Set(by.to_owned());
            row.update(&self.inner).await?;
            return Ok(true);
        }
        self.auth_changed().await?;
        revoked_token::ActiveModel {
            token_id: Set(token_id.to_owned()),
            revoked_at: Set(now),
            revoked_by: Set(by.to_owned()),
            expires_at: Set(expires_at),
            effective_at: Set(later),
        }
        .insert(&self.inner)
        .await?;
        Ok(true)
    }
}
