use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agreement_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: i32,
    pub status: String,
    pub sections: String,
    pub meta: String,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub change_note: Option<String>,
    pub in_force_from: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
