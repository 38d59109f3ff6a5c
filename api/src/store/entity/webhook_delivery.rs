use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: i64,
    pub event_id: String,
    pub event_seq: i64,
    pub event_type: String,
    /// `Agreement:12`: deliveries of one aggregate to one endpoint go out in `event_seq` order.
    pub aggregate_key: String,
    pub body: String,
    /// `pending`, `succeeded` or `failed` (gave up).
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub leased_until: Option<DateTimeUtc>,
    pub leased_by: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    /// Set by `redeliverWebhook`: the next attempt is logged as manual (and clears it).
    pub manual_requested: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
