use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: String,
    pub contact_id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub due_at: DateTimeUtc,
    pub lease_token: Option<String>,
    pub lease_worker: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub rerun: bool,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
