//! The register of issued partner tokens: each token Rapport mints for a partner, never the
//! token itself. Verification does not need it (a token issued before the register existed
//! still verifies); it is what a partner lists, revokes and rotates.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::PartnerId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entity::issued_token;
use super::service_accounts::KEY_LIST_LIMIT;
use super::{Store, StoreError, Tx, last_used, scope};
use crate::auth::ReadScope;

/// Most tokens one listing returns (newest first), like keys.
pub const TOKEN_LIST_LIMIT: u64 = KEY_LIST_LIMIT;

/// A partner token as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerToken {
    /// Its id (`jti`).
    pub token_id: String,
    /// The partner it acts for.
    pub partner: PartnerId,
    /// Who issued it (a subject): staff only, never shown to partners.
    pub issued_by: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working (a rotation moves it to the end of the grace period).
    pub expires_at: DateTime<Utc>,
    /// When it was last used, to within a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The token that replaced it in a rotation.
    pub replaced_by: Option<String>,
}

fn to_read(row: issued_token::Model) -> PartnerToken {
    let issued_token::Model {
        token_id,
        partner_id,
        issued_by,
        created_at,
        expires_at,
        last_used_at,
        revoked_at,
        revoked_by: _,
        replaced_by,
    } = row;
    PartnerToken {
        token_id,
        partner: PartnerId::new(partner_id),
        issued_by,
        created_at,
        expires_at,
        last_used_at,
        revoked_at,
        replaced_by,
    }
}

impl Store {
    /// The registered tokens `scope` may see (a partner: its own), newest first, at most
    /// [`TOKEN_LIST_LIMIT`]; revoked and expired ones included.
    pub async fn partner_tokens(&self, scope: ReadScope) -> Result<Vec<PartnerToken>, StoreError> {
        Ok(issued_token::Entity::find()
            .filter(scope::by_owner(scope, issued_token::Column::PartnerId))
            .order_by_desc(issued_token::Column::CreatedAt)
            .order_by_desc(issued_token::Column::TokenId)
            .limit(TOKEN_LIST_LIMIT)
            .all(self.reader())
            .await?
            .into_iter()
            .map(to_read)
            .collect())
    }

    /// Records that the token was used at `now`, unless that was already recorded less than
    /// `gap` before. Returns whether a row changed (none for a token not in the register).
    pub async fn touch_partner_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        gap: Duration,
    ) -> Result<bool, StoreError> {
        last_used::touch::<issued_token::Entity>(
            self.writer(),
            issued_token::Column::TokenId.eq(token_id),
            issued_token::Column::LastUsedAt,
            now,
            gap,
        )
        .await
    }
}

impl Tx {
    /// Registers a token just minted.
    pub async fn register_token(&self, token: &PartnerToken) -> Result<(), StoreError> {
        issued_token::ActiveModel {
            token_id: Set(token.token_id.clone()),
            partner_id: Set(token.partner.get()),
            issued_by: Set(token.issued_by.clone()),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
            last_used_at: Set(None),
            revoked_at: Set(None),
            revoked_by: Set(None),
            replaced_by: Set(None),
        }
        .insert(&self.inner)
        .await?;
        Ok(())
    }

    /// The registered token `token_id`, if `scope` may see it (a partner: only its own;
    /// another's does not exist for it).
    pub async fn load_partner_token(
        &self,
        scope: ReadScope,
        token_id: &str,
    ) -> Result<Option<PartnerToken>, StoreError> {
        Ok(issued_token::Entity::find_by_id(token_id.to_owned())
            .filter(scope::by_owner(scope, issued_token::Column::PartnerId))
            .one(&self.inner)
            .await?
            .map(to_read))
    }

    /// Marks the registered token revoked at `now` (the revocation itself is
    /// [`Tx::revoke_token`]); a token not in the register, or already marked, is left alone.
    pub async fn mark_token_revoked(
        &self,
        token_id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        issued_token::Entity::update_many()
            .col_expr(issued_token::Column::RevokedAt, Expr::value(now))
            .col_expr(issued_token::Column::RevokedBy, Expr::value(by))
            .filter(issued_token::Column::TokenId.eq(token_id))
            .filter(issued_token::Column::RevokedAt.is_null())
            .exec(&self.inner)
            .await?;
        Ok(())
    }

    /// Ends the registered token at `until` (a rotation's grace period), naming its
    /// replacement.
    pub async fn retire_token(
        &self,
        token_id: &str,
        until: DateTime<Utc>,
        replaced_by: &str,
    ) -> Result<(), StoreError> {
        issued_token::Entity::update_many()
            .col_expr(issued_token::Column::ExpiresAt, Expr::value(until))
            .col_expr(issued_token::Column::ReplacedBy, Expr::value(replaced_by))
            .filter(issued_token::Column::TokenId.eq(token_id))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}
