//! `agreementChanged`: one agreement, read again in the caller's scope after each of its
//! events.

use async_graphql::{Context, ID, Result, Subscription};
use futures_util::Stream;
use rapport_domain::ids::AgreementId;

use super::super::agreement::{AgreementNode, load_agreement};
use super::super::context::state;
use super::super::error::{GqlResultExt as _, gql};
use super::{broker, too_slow};
use crate::error::ApiError;
use crate::events::broker::FeedEnded;
use crate::global_id::{self, Kind};

/// Subscriptions to one agreement.
#[derive(Default, Debug)]
pub struct AgreementSubscription;

#[Subscription]
impl AgreementSubscription {
    /// The agreement as it is after each change to it (each event about it), read in the
    /// caller's scope. An id the caller cannot read is NOT_FOUND; if the agreement leaves the
    /// caller's scope, the subscription ends with NOT_FOUND.
    async fn agreement_changed<'a>(
        &self,
        ctx: &Context<'a>,
        #[graphql(desc = "Global id of the agreement.")] id: ID,
    ) -> Result<impl Stream<Item = Result<AgreementNode>> + 'a> {
        let st = state(ctx);
        let Some(raw) = global_id::decode(Kind::Agreement, &id) else {
            return Err(gql(ApiError::NotFound("agreement")));
        };
        let id = AgreementId::new(raw);
        load_agreement(st, id).await?;
        let broker = broker(ctx)?;
        let feed = broker.subscribe().await.gql()?;
        let live = broker.live_guard();
        Ok(futures_util::stream::unfold(
            Some((feed, live)),
            move |held| async move {
                let (mut feed, live) = held?;
                loop {
                    let event = match feed.next().await {
                        Ok(event) => event,
                        Err(FeedEnded::TooSlow) => return Some((Err(too_slow()), None)),
                        Err(FeedEnded::Stopped) => return None,
                    };
                    if event.aggregate_kind != Kind::Agreement || event.aggregate_id != raw {
                        continue;
                    }
                    st.clear_caches();
                    return match load_agreement(st, id).await {
                        Ok(node) => Some((Ok(node), Some((feed, live)))),
                        Err(err) => Some((Err(err), None)),
                    };
                }
            },
        ))
    }
}
