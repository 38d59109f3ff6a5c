//! The subscription root (GraphQL over WebSocket, `graphql-transport-ws`): events as the
//! caller may read them, one agreement as it changes, the caller's new notifications.
//!
//! Every field follows the process's [`Broker`] (the published event stream) or, for
//! notifications, the caller's inbox; the WebSocket handler puts the broker into the request
//! data beside the [`RequestState`](super::context::RequestState).

mod agreement;
mod event;
mod notification;

use async_graphql::{Context, MergedSubscription, Result};

use super::error::gql;
use crate::error::ApiError;
use crate::events::broker::Broker;

pub use agreement::AgreementSubscription;
pub use event::EventSubscription;
pub use notification::NotificationSubscription;

/// The subscription root.
#[derive(MergedSubscription, Default, Debug)]
pub struct Subscription(
    EventSubscription,
    AgreementSubscription,
    NotificationSubscription,
);

/// The broker of this process, from the request data (absent outside WebSocket requests:
/// subscriptions run only there).
fn broker<'a>(ctx: &Context<'a>) -> Result<&'a Broker> {
    ctx.data_opt::<Broker>().ok_or_else(|| {
        gql(ApiError::bad_input(
            "operation",
            "subscriptions run over WebSocket at /graphql (graphql-transport-ws)",
        ))
    })
}

/// The error a subscription ends with when its subscriber fell behind.
fn too_slow() -> async_graphql::Error {
    use async_graphql::ErrorExtensions as _;
    async_graphql::Error::new(
        "too slow: this subscription did not keep up with the event stream and was dropped; subscribe again",
    )
    .extend_with(|_, ext| ext.set("code", "TOO_SLOW"))
}
