use sea_orm::entity::prelude::*;

/// Phones, tags and custom fields are JSON text: they are always read and written with their
/// contact. `contact_tags` repeats the tags (lowercased) for filtering.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub phones: String,
    pub job_role: Option<String>,
    pub email_consent: String,
    pub tags: String,
    pub custom_fields: String,
    pub search_text: String,
    pub erased_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub first_name_key: Option<String>,
    pub last_name_key: Option<String>,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
