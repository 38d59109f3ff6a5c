//! The notification inbox: what the inbox outlet reads to decide who hears of an event (in
//! the relay's publishing transaction), what it writes, and each member's reads and
//! "mark read".

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::agreement::Agreement;
use rapport_domain::ids::TeamMemberId;
use rapport_domain::notifications::NotificationKind;
use rapport_domain::role::Role;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::agreements::with_revisions;
use super::entity::{
    account, agreement, metric_compliance, notification, outbox, team_member, webhook_endpoint,
};
use super::{Store, StoreError, Tx};

/// Most notifications one insert statement writes (8 values each).
const NOTIFICATION_CHUNK: usize = 200;

/// A team member as the inbox sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMember {
    /// The member.
    pub id: TeamMemberId,
    /// The token subject (revisions name their authors by it).
    pub subject: String,
    /// Their role; `None` when the stored role is unknown (never notified by role).
    pub role: Option<Role>,
    /// Whether they are active.
    pub active: bool,
}

/// What the inbox needs of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxAccount {
    /// Its name.
    pub name: String,
    /// Its manager.
    pub manager: Option<TeamMemberId>,
}

/// What the inbox needs of a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEndpoint {
    /// Where it delivers.
    pub url: String,
    /// The staff member who owns it (`None` for a partner's endpoint).
    pub owner: Option<TeamMemberId>,
}

/// A notification to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Whose inbox.
    pub member: TeamMemberId,
    /// What it is about.
    pub kind: NotificationKind,
    /// One line.
    pub title: String,
    /// A sentence or two.
    pub body: String,
    /// Global id of its subject.
    pub subject_id: Option<String>,
    /// The event it came from.
    pub event_id: String,
    /// When the event happened.
    pub at: DateTime<Utc>,
}

/// A notification as its member reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    /// Raw id.
    pub id: i64,
    /// What it is about.
    pub kind: NotificationKind,
    /// One line.
    pub title: String,
    /// A sentence or two.
    pub body: String,
    /// Global id of its subject.
    pub subject_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its member marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

fn stored(row: notification::Model) -> Result<StoredNotification, StoreError> {
    let notification::Model {
        id,
        member_id: _,
        kind,
        title,
        body,
        subject_id,
        event_id: _,
        created_at,
        read_at,
    } = row;
    Ok(StoredNotification {
        id,
        kind: NotificationKind::parse(&kind).ok_or_else(|| {
            StoreError::corrupt("notifications", id, format!("unknown kind `{kind}`"))
        })?,
        title,
        body,
        subject_id,
        created_at,
        read_at,
    })
}

impl TryFrom<super::NotificationRecord> for StoredNotification {
    type Error = StoreError;

    fn try_from(r: super::NotificationRecord) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            kind: NotificationKind::parse(&r.kind).ok_or_else(|| {
                StoreError::corrupt("notifications", r.id, format!("unknown kind `{}`", r.kind))
            })?,
            title: r.title,
            body: r.body,
            subject_id: r.subject_id,
            created_at: r.created_at,
            read_at: r.read_at,
        })
    }
}

impl Tx {
    /// The whole team (active or not): the inbox expands roles over it and maps authors'
    /// subjects to members.
    pub async fn inbox_team(&self) -> Result<Vec<InboxMember>, StoreError> {
        let rows: Vec<(i64, String, String, bool)> = team_member::Entity::find()
            .select_only()
            .column(team_member::Column::Id)
            .column(team_member::Column::Subject)
            .column(team_member::Column::Role)
            .column(team_member::Column::Active)
            .into_tuple()
            .all(&self.inner)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, subject, role, active)| InboxMember {
                id: TeamMemberId::new(id),
                subject,
                role: Role::parse(&role).ok(),
                active,
            })
            .collect())
    }

    /// Agreements by id, with their revisions (one query each for rows and revisions).
    pub async fn inbox_agreements(&self, ids: &[i64]) -> Result<Vec<Agreement>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = agreement::Entity::find()
            .filter(agreement::Column::Id.is_in(ids.iter().copied()))
            .all(&self.inner)
            .await?;
        with_revisions(&self.inner, rows).await
    }

    /// Accounts' names and managers by id.
    pub async fn inbox_accounts(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, InboxAccount>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, String, Option<i64>)> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .column(account::Column::Name)
            .column(account::Column::AccountManagerId)
            .filter(account::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.inner)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, manager)| {
                (
                    id,
                    InboxAccount {
                        name,
                        manager: manager.map(TeamMemberId::new),
                    },
                )
            })
            .collect())
    }

    /// Webhook endpoints' URLs and staff owners by id.
    pub async fn inbox_endpoints(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, InboxEndpoint>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, String, Option<i64>, Option<i64>)> = webhook_endpoint::Entity::find()
            .select_only()
            .column(webhook_endpoint::Column::Id)
            .column(webhook_endpoint::Column::Url)
            .column(webhook_endpoint::Column::OwnerMemberId)
            .column(webhook_endpoint::Column::PartnerId)
            .filter(webhook_endpoint::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.inner)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, url, owner, partner)| {
                // A partner's endpoint has no staff owner, whoever created it.
                let owner = if partner.is_some() { None } else { owner };
                (
                    id,
                    InboxEndpoint {
                        url,
                        owner: owner.map(TeamMemberId::new),
                    },
                )
            })
            .collect())
    }

    /// Writes notifications; one a member already has for the same event and kind is
    /// skipped (a replayed batch writes nothing twice). Returns how many were written.
    pub async fn insert_notifications(&self, new: &[NewNotification]) -> Result<u64, StoreError> {
        let rows: Vec<notification::ActiveModel> = new
            .iter()
            .map(|n| notification::ActiveModel {
                member_id: Set(n.member.get()),
                kind: Set(n.kind.as_str().to_owned()),
                title: Set(n.title.chars().take(300).collect()),
                body: Set(n.body.clone()),
                subject_id: Set(n.subject_id.clone()),
                event_id: Set(n.event_id.clone()),
                created_at: Set(n.at),
                read_at: Set(None),
                ..Default::default()
            })
            .collect();
        let mut written = 0;
        // One statement per chunk, not per row: a batch that notifies many members costs a
        // few round trips inside the publishing transaction.
        for chunk in rows.chunks(NOTIFICATION_CHUNK) {
            written += notification::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        notification::Column::MemberId,
                        notification::Column::EventId,
                        notification::Column::Kind,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&self.inner)
                .await?;
        }
        Ok(written)
    }
}

impl Store {
    /// A page of a member's notifications, newest first, after the one with id `after`
    /// (keyset on the id). Returns the page and whether more follow.
    pub async fn notifications_page(
        &self,
        member: TeamMemberId,
        unread_only: bool,
        after: Option<i64>,
        first: u64,
    ) -> Result<(Vec<StoredNotification>, bool), StoreError> {
        let mut select =
            notification::Entity::find().filter(notification::Column::MemberId.eq(member.get()));
        if unread_only {
            select = select.filter(notification::Column::ReadAt.is_null());
        }
        if let Some(after) = after {
            select = select.filter(notification::Column::Id.lt(after));
        }
        let mut rows = select
            .order_by_desc(notification::Column::Id)
            .limit(first + 1)
            .all(self.reader())
            .await?;
        let has_next = rows.len() as u64 > first;
        rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        let items = rows.into_iter().map(stored).collect::<Result<_, _>>()?;
        Ok((items, has_next))
    }

    /// One of a member's notifications; `None` when it is not theirs or does not exist.
    pub async fn notification_of(
        &self,
        member: TeamMemberId,
        id: i64,
    ) -> Result<Option<StoredNotification>, StoreError> {
        notification::Entity::find_by_id(id)
            .filter(notification::Column::MemberId.eq(member.get()))
            .one(self.reader())
            .await?
            .map(stored)
            .transpose()
    }

    /// How many of a member's notifications are unread.
    pub async fn unread_notification_count(&self, member: TeamMemberId) -> Result<u64, StoreError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::MemberId.eq(member.get()))
            .filter(notification::Column::ReadAt.is_null())
            .count(self.reader())
            .await?)
    }

    /// Marks a member's notifications read: those with these ids, or all of them (`None`).
    /// An id that is not one of the member's answers `NotFound` and marks nothing. Returns
    /// how many were unread and now are read.
    pub async fn mark_notifications_read(
        &self,
        member: TeamMemberId,
        ids: Option<&[i64]>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let tx = self.begin().await?;
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(now))
            .filter(notification::Column::MemberId.eq(member.get()))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(ids) = ids {
            let mut wanted: Vec<i64> = ids.to_vec();
            wanted.sort_unstable();
            wanted.dedup();
            let own = notification::Entity::find()
                .filter(notification::Column::MemberId.eq(member.get()))
                .filter(notification::Column::Id.is_in(wanted.iter().copied()))
                .count(&tx.inner)
                .await?;
            if own != wanted.len() as u64 {
                return Err(StoreError::NotFound);
            }
            update = update.filter(notification::Column::Id.is_in(wanted));
        }
        let marked = update.exec(&tx.inner).await?.rows_affected;
        tx.commit().await?;
        Ok(marked)
    }
}

impl Tx {
    /// The metrics of each agreement that are `BREACHED` in some period (what a
    /// `metric_breached` event is about when its payload does not name the metric).
    pub async fn breached_metrics(
        &self,
        agreements: &[i64],
    ) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        if agreements.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, String)> = metric_compliance::Entity::find()
            .select_only()
            .column(metric_compliance::Column::AgreementId)
            .column(metric_compliance::Column::MetricKey)
            .filter(metric_compliance::Column::AgreementId.is_in(agreements.iter().copied()))
            .filter(metric_compliance::Column::Status.eq("BREACHED"))
            .distinct()
            .into_tuple()
            .all(&self.inner)
            .await?;
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        for (agreement, key) in rows {
            out.entry(agreement).or_default().push(key);
        }
        Ok(out)
    }
}

impl Store {
    /// Every outbox event with a row id above `after`, published or not, in commit (row id)
    /// order, with the row id of the last one: what rebuilding an outlet's record replays.
    pub async fn outbox_events_from(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<(Vec<crate::events::Event>, i64), StoreError> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Id.gt(after))
            .order_by_asc(outbox::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await?;
        let last = rows.last().map_or(after, |r| r.id);
        let events = rows
            .into_iter()
            .map(super::outbox::event_of)
            .collect::<Result<_, _>>()?;
        Ok((events, last))
    }
}
