//! `notificationAdded`: the caller's new notifications (team members only).

use std::time::Duration;

use async_graphql::{Context, ID, Object, Result, Subscription};
use futures_util::Stream;
use rapport_domain::permissions::Principal;

use super::super::context::state;
use super::super::error::{GqlResultExt as _, gql};
use super::super::scalars::DateTimeScalar;
use super::broker;
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::NotificationRecord;

/// Most notifications read at once.
const BATCH: u64 = 100;

/// Subscriptions to the caller's inbox.
#[derive(Default, Debug)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// Each notification added to the caller's inbox from now on, oldest first. Team members
    /// only (a partner has no inbox: FORBIDDEN).
    async fn notification_added<'a>(
        &self,
        ctx: &Context<'a>,
    ) -> Result<impl Stream<Item = Result<NotificationNode>> + 'a> {
        let st = state(ctx);
        let Principal::Staff { member, .. } = st.caller.principal else {
            return Err(gql(ApiError::Forbidden));
        };
        let member = member.get();
        let broker = broker(ctx)?;
        let every = Duration::from_millis(st.settings.events.subscriptions.poll_ms.max(50) * 2);
        let after = st.store.last_notification_id(member).await.gql()?;
        let live = broker.live_guard();
        let store = st.store.clone();
        Ok(futures_util::stream::unfold(
            (after, Vec::<NotificationRecord>::new(), live),
            move |(mut after, mut pending, live)| {
                let store = store.clone();
                async move {
                    loop {
                        if !pending.is_empty() {
                            let next = pending.remove(0);
                            return Some((Ok(NotificationNode(next)), (after, pending, live)));
                        }
                        tokio::time::sleep(every).await;
                        match store.notifications_after(member, after, BATCH).await {
                            Ok(rows) => {
                                if let Some(last) = rows.last() {
                                    after = last.id;
                                }
                                pending = rows;
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "notificationAdded could not read the inbox; retrying");
                            }
                        }
                    }
                }
            },
        ))
    }
}

/// A notification in a team member's inbox.
#[derive(Debug, Clone)]
pub struct NotificationNode(NotificationRecord);

/// A notification in a team member's inbox, linking to what it is about.
#[Object(name = "Notification")]
impl NotificationNode {
    /// Global id of the notification.
    async fn id(&self) -> ID {
        ID(global_id::encode(Kind::Notification, self.0.id))
    }

    /// What kind of notification it is (`agreement.approval_waiting`).
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// One line.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// A few lines.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// Global id of what the notification is about.
    async fn subject_id(&self) -> Option<ID> {
        self.0.subject_id.clone().map(ID)
    }

    /// When it was added.
    async fn created_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.created_at)
    }

    /// When it was marked read; null while unread.
    async fn read_at(&self) -> Option<DateTimeScalar> {
        self.0.read_at.map(DateTimeScalar)
    }
}
