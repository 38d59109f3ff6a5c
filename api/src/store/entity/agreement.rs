use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub status: String,
    pub version: i32,
    pub state: String,
    pub in_force: bool,
    pub effective_from: Option<Date>,
    pub term_end: Option<Date>,
    pub cancel_by: Option<Date>,
    pub next_review_on: Option<Date>,
    pub dates_derived: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
