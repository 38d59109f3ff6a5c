use sea_orm::entity::prelude::*;

/// Something that happened with a contact, recorded from a provider (a call from Ringover).
/// Unique per (source, external_key, contact_id): a repeated delivery records nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contact_id: i64,
    pub kind: String,
    pub direction: Option<String>,
    pub at: DateTimeUtc,
    pub duration_seconds: Option<i32>,
    pub source: String,
    pub summary: Option<String>,
    pub external_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
