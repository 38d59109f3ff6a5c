use sea_orm::entity::prelude::*;

/// One phone number of a live contact (E.164 with its `+`), kept beside `contacts.phones` so
/// that an inbound call finds its contact through an index.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_phones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
