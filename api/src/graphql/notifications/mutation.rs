//! `markNotificationsRead`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::super::context::state;
use super::super::error::{GqlResultExt, gql};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service;

/// Which of the caller's notifications to mark read: `ids`, or `all: true`.
#[derive(Debug, InputObject)]
pub struct MarkNotificationsReadInput {
    /// Global ids of the caller's notifications (1 to 100); an id of someone else's
    /// notification answers NOT_FOUND and marks nothing.
    ids: Option<Vec<ID>>,
    /// `true` marks every unread notification of the caller. Give either this or `ids`.
    all: Option<bool>,
}

/// What `markNotificationsRead` did.
#[derive(Debug, SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many notifications were unread and now are read.
    marked: i32,
    /// How many of the caller's notifications stay unread.
    unread_count: i32,
}

/// Inbox mutations.
#[derive(Debug, Default)]
pub struct NotificationMutations;

fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[Object]
impl NotificationMutations {
    /// Marks some or all of the caller's notifications read (staff only: FORBIDDEN for
    /// partners, who have no inbox).
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notifications to mark: `ids` or `all`.")]
        input: MarkNotificationsReadInput,
    ) -> Result<MarkNotificationsReadPayload> {
        let ids = match (input.ids, input.all) {
            (Some(_), Some(true)) => {
                return Err(gql(ApiError::bad_input(
                    "all",
                    "give either ids or all, not both",
                )));
            }
            (Some(ids), _) => {
                if ids.is_empty() || ids.len() > 100 {
                    return Err(gql(ApiError::bad_input("ids", "give 1 to 100 ids")));
                }
                let raw = ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        global_id::decode(Kind::Notification, id.as_str()).ok_or_else(|| {
                            gql(ApiError::bad_input(
                                format!("ids[{i}]"),
                                "is not a Notification id",
                            ))
                        })
                    })
                    .collect::<Result<Vec<i64>>>()?;
                Some(raw)
            }
            (None, Some(true)) => None,
            (None, _) => {
                return Err(gql(ApiError::bad_input(
                    "ids",
                    "give the ids to mark, or all: true",
                )));
            }
        };
        let (marked, unread) = service::mark_notifications_read(&state(ctx).ctx(), ids.as_deref())
            .await
            .gql()?;
        Ok(MarkNotificationsReadPayload {
            marked: count(marked),
            unread_count: count(unread),
        })
    }
}
