//! The caller's notification inbox: `viewer.notifications`, `viewer.unreadNotificationCount`
//! and `markNotificationsRead`. Partners have no inbox: they read an empty one (count 0) and
//! `markNotificationsRead` answers FORBIDDEN.

mod mutation;
mod node;

pub use mutation::NotificationMutations;
pub use node::{NotificationConnection, NotificationNode};

use async_graphql::{ComplexObject, Context, Result};

use super::context::state;
use super::error::{GqlResultExt, gql};
use super::node::Viewer;
use super::pagination::{DEFAULT_PAGE, MAX_PAGE, decode_cursor};
use crate::error::ApiError;
use crate::service;

#[ComplexObject]
impl Viewer {
    /// The caller's notifications, newest first (keyset pages: `first` and `after`). Empty
    /// for partners, who have no inbox.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only notifications not marked read yet (default: all).")]
        unread_only: Option<bool>,
        #[graphql(desc = "How many notifications, 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that notification.")]
        after: Option<String>,
    ) -> Result<NotificationConnection> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(gql(ApiError::bad_input(
                "first",
                format!("must be between 0 and {MAX_PAGE}"),
            )));
        }
        let after = after
            .map(|c| decode_cursor("after", &c).map(|k| k.id))
            .transpose()
            .map_err(gql)?;
        let st = state(ctx);
        let (items, has_next) = service::notifications_page(
            &st.ctx(),
            unread_only.unwrap_or(false),
            after,
            u64::try_from(first).unwrap_or(0),
        )
        .await
        .gql()?;
        Ok(NotificationConnection {
            items,
            has_next,
            has_previous: after.is_some(),
        })
    }

    /// How many of the caller's notifications are unread (0 for partners).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = service::unread_notification_count(&state(ctx).ctx())
            .await
            .gql()?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}
