use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub event_type: String,
    pub entity_type: String,
    pub entity_id: String,
    pub payload: String,
    pub published_at: Option<DateTimeUtc>,
    pub event_id: Option<String>,
    pub version: i32,
    pub actor_kind: Option<String>,
    pub actor_id: Option<i64>,
    pub actor_subject: Option<String>,
    pub actor_name: Option<String>,
    pub account_id: Option<i64>,
    pub seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
