//! `Notification` and its connection.

use async_graphql::{Context, Enum, ID, Object, Result};

use super::super::context::state;
use super::super::ids::to_id;
use super::super::node::{Node, resolve};
use super::super::pagination::{PageInfo, cursor, page_info};
use super::super::scalars::DateTimeScalar;
use crate::global_id::Kind;
use crate::store::StoredNotification;

/// What a notification is about.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "rapport_domain::notifications::NotificationKind")]
pub enum NotificationKind {
    /// An agreement or an amendment waits for approval by an admin who did not write it.
    ApprovalWaiting,
    /// A metric of an agreement of an account you manage passed its warning threshold.
    MetricAtRisk,
    /// A metric of an agreement of an account you manage missed its target.
    MetricBreached,
    /// A breach escalated to your role by an `ESCALATION` consequence.
    Escalation,
    /// The last day to give notice on an agreement of an account you manage is 30, 7 or 1
    /// days away.
    NoticeDeadline,
    /// A review of an agreement of an account you manage is due or overdue.
    ReviewDue,
    /// A partner referred a new account.
    PartnerReferral,
    /// A webhook endpoint you own (or a partner's, for admins) was disabled.
    EndpointDisabled,
}

/// One notification of the caller's inbox.
#[derive(Debug, Clone)]
pub struct NotificationNode(pub StoredNotification);

/// One notification of the caller's inbox, derived from an event by the documented rules.
#[Object(name = "Notification")]
impl NotificationNode {
    /// Global id of the notification.
    pub async fn id(&self) -> ID {
        to_id(Kind::Notification, self.0.id)
    }
    /// What it is about.
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    /// One line.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// A sentence or two.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// What it is about, as the caller may read it now; null when it is gone or outside the
    /// caller's scope.
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        match &self.0.subject_id {
            Some(id) => resolve(state(ctx), id).await,
            None => Ok(None),
        }
    }
    /// Global id of what it is about (kept when the subject is gone).
    async fn subject_id(&self) -> Option<ID> {
        self.0.subject_id.clone().map(ID)
    }
    /// When it was created (when its event happened).
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
    /// When the caller marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTimeScalar> {
        self.0.read_at.map(Into::into)
    }
}

/// An edge to a `Notification`.
pub struct NotificationEdge {
    node: StoredNotification,
}

/// One notification with its cursor (a Relay edge).
#[Object]
impl NotificationEdge {
    /// Opaque position of this notification: pass it as `after` to page on.
    async fn cursor(&self) -> String {
        cursor(self.node.id)
    }
    /// The notification.
    async fn node(&self) -> NotificationNode {
        NotificationNode(self.node.clone())
    }
}

/// A page of the caller's notifications, newest first.
pub struct NotificationConnection {
    pub(super) items: Vec<StoredNotification>,
    pub(super) has_next: bool,
    pub(super) has_previous: bool,
}

/// A page of the caller's notifications, newest first (a Relay connection); page on with
/// `first` and `after`.
#[Object]
impl NotificationConnection {
    /// The page's notifications, each with its cursor.
    async fn edges(&self) -> Vec<NotificationEdge> {
        self.items
            .iter()
            .map(|n| NotificationEdge { node: n.clone() })
            .collect()
    }
    /// The page's notifications, without cursors.
    async fn nodes(&self) -> Vec<NotificationNode> {
        self.items.iter().cloned().map(NotificationNode).collect()
    }
    /// Whether more notifications follow, and the cursors of the page's ends.
    async fn page_info(&self) -> PageInfo {
        let cursors: Vec<String> = self.items.iter().map(|n| cursor(n.id)).collect();
        page_info(&cursors, self.has_next, self.has_previous)
    }
}
