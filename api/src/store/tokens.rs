use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use super::entity::revoked_token;
use super::{Store, StoreError, Tx};

impl Store {
    /// Whether the token id was revoked.
    pub async fn is_token_revoked(&self, token_id: &str) -> Result<bool, StoreError> {
        Ok(revoked_token::Entity::find_by_id(token_id.to_owned())
            .count(self.reader())
            .await?
            > 0)
    }
}

impl Tx {
    /// Records a revocation; revoking twice is not an error. Returns whether it was new.
    pub async fn revoke_token(
        &self,
        token_id: &str,
        by: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if revoked_token::Entity::find_by_id(token_id.to_owned())
            .count(&self.inner)
            .await?
            > 0
        {
            return Ok(false);
        }
        self.auth_changed().await?;
        revoked_token::ActiveModel {
            token_id: Set(token_id.to_owned()),
            revoked_at: Set(now),
            revoked_by: Set(by.to_owned()),
            expires_at: Set(expires_at),
        }
        .insert(&self.inner)
        .await?;
        Ok(true)
    }
}
