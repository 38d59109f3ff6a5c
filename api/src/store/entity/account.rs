use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub kind: String,
    pub relationship: String,
    pub account_manager_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub acquisition_channel: String,
    pub partner_id: Option<i64>,
    pub created_by_member_id: Option<i64>,
    pub status: String,
    pub churned_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub next_deadline: Option<Date>,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
