use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: i64,
    pub external_id: Option<String>,
    pub email_key: Option<String>,
    pub sent_email: Option<String>,
    pub sent_consent: Option<String>,
    pub last_synced_at: Option<DateTimeUtc>,
    pub erased: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
