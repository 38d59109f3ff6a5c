use chrono::{DateTime, Utc};
use rapport_domain::ids::PartnerId;
use rapport_domain::partner::Partner;
use rapport_domain::values::Text;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::entity::partner;
use super::page::fetch_page;
use super::{Page, PageRequest, PartnerSort, Store, StoreError, Tx, scope};
use crate::auth::ReadScope;

fn to_domain(row: partner::Model) -> Result<Partner, StoreError> {
    let partner::Model {
        id,
        name,
        active,
        version,
        created_at: _,
        updated_at: _,
        name_key: _,
    } = row;
    Ok(Partner {
        id: PartnerId::new(id),
        name: Text::name("name", &name).map_err(|e| StoreError::corrupt("partners", id, e))?,
        active,
        version,
    })
}

impl Store {
    /// Partners by id; missing ids and ids outside `scope` (a partner reads only its own)
    /// are skipped.
    pub async fn partners_by_ids(
        &self,
        scope: ReadScope,
        ids: &[PartnerId],
    ) -> Result<Vec<Partner>, StoreError> {
        partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids.iter().map(|id| id.get())))
            .filter(scope::partners(scope))
            .all(self.reader())
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    /// One page of partners.
    pub async fn partners_page(
        &self,
        scope: ReadScope,
        page: &PageRequest<PartnerSort>,
    ) -> Result<Page<Partner>, StoreError> {
        fetch_page(
            self.reader(),
            partner::Entity::find().filter(scope::partners(scope)),
            partner::Column::Id,
            page,
        )
        .await?
        .try_map(to_domain)
    }

    /// How many partners there are.
    pub async fn partners_count(&self, scope: ReadScope) -> Result<u64, StoreError> {
        Ok(partner::Entity::find()
            .filter(scope::partners(scope))
            .count(self.reader())
            .await?)
    }
}

impl Tx {
    /// Inserts an active partner.
    pub async fn insert_partner(
        &self,
        name: &Text,
        now: DateTime<Utc>,
    ) -> Result<Partner, StoreError> {
        // A cached "no such partner" for this id is now wrong.
        self.auth_changed().await?;
        let row = partner::ActiveModel {
            name: Set(name.as_str().to_owned()),
            name_key: Set(name.as_str().to_lowercase()),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        to_domain(row)
    }

    /// Loads a partner for change.
    pub async fn load_partner(&self, id: PartnerId) -> Result<Option<Partner>, StoreError> {
        partner::Entity::find_by_id(id.get())
            .one(&self.inner)
            .await?
            .map(to_domain)
            .transpose()
    }

    /// Saves a changed partner if nobody saved it since `expected_version`.
    pub async fn save_partner(
        &self,
        mut p: Partner,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<Partner, StoreError> {
        // The active flag decides whether the partner's tokens are honoured.
        self.auth_changed().await?;
        let result = partner::Entity::update_many()
            .col_expr(partner::Column::Name, Expr::value(p.name.as_str()))
            .col_expr(
                partner::Column::NameKey,
                Expr::value(p.name.as_str().to_lowercase()),
            )
            .col_expr(partner::Column::Active, Expr::value(p.active))
            .col_expr(partner::Column::Version, Expr::value(expected_version + 1))
            .col_expr(partner::Column::UpdatedAt, Expr::value(now))
            .filter(partner::Column::Id.eq(p.id.get()))
            .filter(partner::Column::Version.eq(expected_version))
            .exec(&self.inner)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        p.version = expected_version + 1;
        Ok(p)
    }
}
