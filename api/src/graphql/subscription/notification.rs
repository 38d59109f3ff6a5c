//! `notificationAdded`: the caller's new notifications (team members only).

use std::time::Duration;

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;
use rapport_domain::permissions::Principal;

use super::super::context::state;
use super::super::error::{GqlResultExt as _, gql};
use super::super::notifications::NotificationNode;
use super::broker;
use crate::error::ApiError;
use crate::store::StoredNotification;

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
            (after, Vec::<StoredNotification>::new(), live),
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
                                // A row of a kind this version does not know is skipped.
                                pending = rows
                                    .into_iter()
                                    .filter_map(|r| StoredNotification::try_from(r).ok())
                                    .collect();
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
