use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_resyncs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: String,
    pub state: String,
    pub after_contact_id: i64,
    pub total: i64,
    pub processed: i64,
    pub synced: i64,
    pub queued: i64,
    pub pages: i64,
    pub last_error: Option<String>,
    pub requested_by: String,
    pub lease_token: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub started_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub import_job_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
