//! What open GraphQL subscriptions read besides the published event stream: the new
//! notifications of one team member; and, for tests run before a relay publishes, a way to
//! publish what is pending.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::{notification, outbox};
use super::{Store, StoreError};

/// One notification row, as a subscription sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// Raw id (ascending: a newer notification has a larger id).
    pub id: i64,
    /// The team member it is for.
    pub member_id: i64,
    /// What kind of notification (`APPROVAL_WAITING`, see `NotificationKind`).
    pub kind: String,
    /// One line.
    pub title: String,
    /// A few lines.
    pub body: String,
    /// The global id of what it is about.
    pub subject_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its member read it.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<notification::Model> for NotificationRecord {
    fn from(row: notification::Model) -> Self {
        Self {
            id: row.id,
            member_id: row.member_id,
            kind: row.kind,
            title: row.title,
            body: row.body,
            subject_id: row.subject_id,
            created_at: row.created_at,
            read_at: row.read_at,
        }
    }
}

impl Store {
    /// `member`'s notifications with an id above `after`, oldest first.
    pub async fn notifications_after(
        &self,
        member: i64,
        after: i64,
        limit: u64,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let rows = notification::Entity::find()
            .filter(notification::Column::MemberId.eq(member))
            .filter(notification::Column::Id.gt(after))
            .order_by_asc(notification::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await?;
        Ok(rows.into_iter().map(NotificationRecord::from).collect())
    }

    /// The id of `member`'s newest notification (0 when there is none): where a
    /// `notificationAdded` subscription starts.
    pub async fn last_notification_id(&self, member: i64) -> Result<i64, StoreError> {
        let max: Option<Option<i64>> = notification::Entity::find()
            .select_only()
            .column_as(notification::Column::Id.max(), "max")
            .filter(notification::Column::MemberId.eq(member))
            .into_tuple()
            .one(self.reader())
            .await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// Publishes every pending outbox row in id order (assigns `seq` and `published_at`), as
    /// the relay does but without its outlets. For tests of the published stream; returns how
    /// many rows were published.
    pub async fn publish_pending_for_tests(&self) -> Result<u64, StoreError> {
        let txn = self.begin_write().await?;
        let last: Option<Option<i64>> = outbox::Entity::find()
            .select_only()
            .column_as(outbox::Column::Seq.max(), "max")
            .into_tuple()
            .one(&txn)
            .await?;
        let mut seq = last.flatten().unwrap_or(0);
        let pending = outbox::Entity::find()
            .filter(outbox::Column::Seq.is_null())
            .order_by_asc(outbox::Column::Id)
            .all(&txn)
            .await?;
        let count = pending.len() as u64;
        let now = Utc::now();
        for row in pending {
            seq += 1;
            outbox::ActiveModel {
                id: ActiveValue::Unchanged(row.id),
                seq: ActiveValue::Set(Some(seq)),
                published_at: ActiveValue::Set(Some(now)),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(count)
    }

    /// Adds a notification to `member`'s inbox as the inbox outlet would, for tests of what
    /// reads the inbox; returns its id.
    pub async fn add_notification_for_tests(
        &self,
        member: i64,
        kind: &str,
        title: &str,
        subject_id: Option<&str>,
    ) -> Result<i64, StoreError> {
        let row = notification::ActiveModel {
            id: ActiveValue::NotSet,
            member_id: ActiveValue::Set(member),
            kind: ActiveValue::Set(kind.to_owned()),
            title: ActiveValue::Set(title.to_owned()),
            body: ActiveValue::Set(String::new()),
            subject_id: ActiveValue::Set(subject_id.map(str::to_owned)),
            event_id: ActiveValue::Set(format!("evt_{}", uuid::Uuid::new_v4().simple())),
            created_at: ActiveValue::Set(Utc::now()),
            read_at: ActiveValue::Set(None),
        }
        .insert(self.writer())
        .await?;
        Ok(row.id)
    }
}
