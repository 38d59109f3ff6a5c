//! Service accounts and their API keys. The secret of a key is never stored: only its keyed
//! hash (see `auth::api_key`), found by the key's public lookup id.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::{PartnerId, ServiceAccountId};
use rapport_domain::permissions::Scopes;
use rapport_domain::role::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set,
};

use super::entity::{api_key, service_account};
use super::{Store, StoreError, Tx, last_used, scope};
use crate::auth::ReadScope;

/// Most keys one listing returns (newest first).
pub const KEY_LIST_LIMIT: u64 = 200;

/// A machine identity: a role (for a partner's, `PARTNER` and its partner) and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Its id.
    pub id: ServiceAccountId,
    /// A name for people (`Monitoring feed`).
    pub name: String,
    /// The role its keys act with.
    pub role: Role,
    /// The partner it belongs to, for a partner's service account.
    pub partner: Option<PartnerId>,
    /// What its keys may be used for.
    pub scopes: Scopes,
    /// False: its keys are refused.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// An API key as listed: never its secret nor the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its id.
    pub id: i64,
    /// The service account it acts for.
    pub account: ServiceAccount,
    /// The public lookup id (part of the key, shown in listings to tell keys apart).
    pub lookup: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Who created it (a subject).
    pub created_by: String,
    /// When it stops working, if ever (a rotation moves it to the end of the grace period).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key that replaced it in a rotation.
    pub replaced_by: Option<i64>,
}

/// What authenticating with a key needs: the key, its stored hash, its account.
#[derive(Debug, Clone)]
pub struct KeyCredential {
    /// The key.
    pub key: ApiKey,
    /// The keyed hash of its secret (hex).
    pub secret_hash: String,
}

/// A new service account.
#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its partner, for a partner's.
    pub partner: Option<PartnerId>,
    /// Its scopes.
    pub scopes: Scopes,
    /// Who creates it.
    pub created_by: String,
}

/// A new key's stored parts.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The service account it acts for.
    pub account: ServiceAccountId,
    /// Its public lookup id.
    pub lookup: String,
    /// The keyed hash of its secret.
    pub secret_hash: String,
    /// Who creates it.
    pub created_by: String,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

fn account_to_read(row: service_account::Model) -> Result<ServiceAccount, StoreError> {
    let service_account::Model {
        id,
        name,
        role,
        partner_id,
        scopes,
        active,
        created_at,
        created_by: _,
    } = row;
    Ok(ServiceAccount {
        id: ServiceAccountId::new(id),
        name,
        role: Role::parse(&role).map_err(|e| StoreError::corrupt("service_accounts", id, e))?,
        partner: partner_id.map(PartnerId::new),
        scopes: Scopes::parse([scopes.as_str()])
            .map_err(|e| StoreError::corrupt("service_accounts", id, e))?,
        active,
        created_at,
    })
}

fn key_to_read(row: api_key::Model, account: ServiceAccount) -> KeyCredential {
    let api_key::Model {
        id,
        service_account_id: _,
        lookup,
        secret_hash,
        created_at,
        created_by,
        expires_at,
        last_used_at,
        revoked_at,
        revoked_by: _,
        replaced_by,
    } = row;
    KeyCredential {
        key: ApiKey {
            id,
            account,
            lookup,
            created_at,
            created_by,
            expires_at,
            last_used_at,
            revoked_at,
            replaced_by,
        },
        secret_hash,
    }
}

async fn keys_with_accounts<C: sea_orm::ConnectionTrait>(
    db: &C,
    keys: Vec<api_key::Model>,
    scope: ReadScope,
) -> Result<Vec<KeyCredential>, StoreError> {
    let ids: Vec<i64> = keys.iter().map(|k| k.service_account_id).collect();
    let accounts = service_account::Entity::find()
        .filter(service_account::Column::Id.is_in(ids))
        .filter(scope::by_owner(scope, service_account::Column::PartnerId))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(row) = accounts.iter().find(|a| a.id == key.service_account_id) {
            out.push(key_to_read(key, account_to_read(row.clone())?));
        }
    }
    Ok(out)
}

impl Store {
    /// The key with `lookup` and its account, for authentication (no scope: the caller is not
    /// known yet).
    pub async fn api_key_by_lookup(
        &self,
        lookup: &str,
    ) -> Result<Option<KeyCredential>, StoreError> {
        let Some(key) = api_key::Entity::find()
            .filter(api_key::Column::Lookup.eq(lookup))
            .one(self.reader())
            .await?
        else {
            return Ok(None);
        };
        Ok(
            keys_with_accounts(self.reader(), vec![key], ReadScope::system())
                .await?
                .pop(),
        )
    }

    /// The keys `scope` may see (a partner: its own service accounts'), newest first, at most
    /// [`KEY_LIST_LIMIT`]; revoked keys included.
    pub async fn api_keys(&self, scope: ReadScope) -> Result<Vec<ApiKey>, StoreError> {
        let mut query = api_key::Entity::find();
        if let Some(partner) = scope.partner() {
            let owned = service_account::Entity::find()
                .select_only()
                .column(service_account::Column::Id)
                .filter(service_account::Column::PartnerId.eq(partner.get()))
                .into_query();
            query = query.filter(api_key::Column::ServiceAccountId.in_subquery(owned));
        }
        let keys = query
            .order_by_desc(api_key::Column::Id)
            .limit(KEY_LIST_LIMIT)
            .all(self.reader())
            .await?;
        Ok(keys_with_accounts(self.reader(), keys, scope)
            .await?
            .into_iter()
            .map(|c| c.key)
            .collect())
    }

    /// Records that the key was used at `now`, unless that was already recorded less than
    /// `gap` before (so a busy key costs one write per `gap` across every process). Returns
    /// whether a row changed.
    pub async fn touch_api_key(
        &self,
        id: i64,
        now: DateTime<Utc>,
        gap: Duration,
    ) -> Result<bool, StoreError> {
        last_used::touch::<api_key::Entity>(
            self.writer(),
            api_key::Column::Id.eq(id),
            api_key::Column::LastUsedAt,
            now,
            gap,
        )
        .await
    }
}

impl Tx {
    /// Creates a service account.
    pub async fn insert_service_account(
        &self,
        new: NewServiceAccount,
        now: DateTime<Utc>,
    ) -> Result<ServiceAccount, StoreError> {
        self.auth_changed().await?;
        let row = service_account::ActiveModel {
            name: Set(new.name),
            role: Set(new.role.as_str().to_owned()),
            partner_id: Set(new.partner.map(PartnerId::get)),
            scopes: Set(new.scopes.to_wire()),
            active: Set(true),
            created_at: Set(now),
            created_by: Set(new.created_by),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        account_to_read(row)
    }

    /// The service account `id`, if `scope` may see it (a partner: only its own).
    pub async fn load_service_account(
        &self,
        scope: ReadScope,
        id: ServiceAccountId,
    ) -> Result<Option<ServiceAccount>, StoreError> {
        service_account::Entity::find_by_id(id.get())
            .filter(scope::by_owner(scope, service_account::Column::PartnerId))
            .one(&self.inner)
            .await?
            .map(account_to_read)
            .transpose()
    }

    /// Stores a new key.
    pub async fn insert_api_key(
        &self,
        new: NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.auth_changed().await?;
        let row = api_key::ActiveModel {
            service_account_id: Set(new.account.get()),
            lookup: Set(new.lookup),
            secret_hash: Set(new.secret_hash),
            created_at: Set(now),
            created_by: Set(new.created_by),
            expires_at: Set(new.expires_at),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        Ok(row.id)
    }

    /// The key `id`, if `scope` may see it (a partner: only its own service accounts' keys;
    /// another's does not exist for it).
    pub async fn load_api_key(
        &self,
        scope: ReadScope,
        id: i64,
    ) -> Result<Option<ApiKey>, StoreError> {
        let Some(key) = api_key::Entity::find_by_id(id).one(&self.inner).await? else {
            return Ok(None);
        };
        Ok(keys_with_accounts(&self.inner, vec![key], scope)
            .await?
            .pop()
            .map(|c| c.key))
    }

    /// Revokes the key `id` at `now`; returns false when it already was.
    pub async fn revoke_api_key(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.auth_changed().await?;
        let done = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now))
            .col_expr(api_key::Column::RevokedBy, Expr::value(by))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&self.inner)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// Ends the key `id` at `until` (a rotation's grace period), naming its replacement.
    pub async fn retire_api_key(
        &self,
        id: i64,
        until: DateTime<Utc>,
        replaced_by: i64,
    ) -> Result<(), StoreError> {
        self.auth_changed().await?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::ExpiresAt, Expr::value(until))
            .col_expr(api_key::Column::ReplacedBy, Expr::value(replaced_by))
            .filter(api_key::Column::Id.eq(id))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}
