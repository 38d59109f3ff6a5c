use super::scalars::DateTimeScalar;
use crate::graphql::order::{AccountOrder, PartnerOrder};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use rapport_domain::partner::Partner;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::Text;

use super::account::{AccountConnection, list as list_accounts};
use super::connection::connection;
use super::context::state;
use super::error::GqlResultExt;
use super::ids::{partner_id, to_id};
use super::pagination::page_request;
use crate::auth::ReadScope;
use crate::global_id::Kind;
use crate::service;
use crate::store::{AccountQuery, Store, StoreError};

/// An outside organization that refers accounts.
#[derive(Debug, Clone)]
pub struct PartnerNode(pub Partner);

/// An outside organization (reseller, referral partner, agency) that refers accounts; its tokens
/// see only those accounts.
#[Object(name = "Partner")]
impl PartnerNode {
    /// Global id, for `node(id:)` and every `partnerId` input.
    pub async fn id(&self) -> ID {
        to_id(Kind::Partner, self.0.id.get())
    }
    /// The organization's name.
    async fn name(&self) -> &str {
        self.0.name.as_str()
    }
    /// False once deactivated: its tokens are refused.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Optimistic-concurrency version: it grows with every change; mutations take it as
    /// `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The accounts this partner referred.
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start of the list (or after `after`): 0 to 100. Without `first` and `last`, the first 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that item.")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end of the list (or before `before`): 0 to 100."
        )]
        last: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page ends just before that item.")]
        before: Option<String>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<AccountOrder>>,
    ) -> Result<AccountConnection> {
        let st = state(ctx);
        let query = AccountQuery {
            partner: Some(self.0.id),
            ..Default::default()
        };
        list_accounts(
            st,
            query,
            page_request(first, after, last, before, AccountOrder::sorted(order_by)?)?,
        )
        .await
    }
}

async fn count_partners(store: &Store, scope: ReadScope, _: &()) -> Result<u64, StoreError> {
    store.partners_count(scope).await
}

connection!(
    PartnerConnection,
    PartnerEdge,
    PartnerNode,
    Partner,
    (),
    count_partners,
    super::prime::nothing
);

/// Partner queries.
#[derive(Debug, Default)]
pub struct PartnerQueries;

#[Object]
impl PartnerQueries {
    /// Partners (staff only).
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start of the list (or after `after`): 0 to 100. Without `first` and `last`, the first 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page starts just after that item.")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end of the list (or before `before`): 0 to 100."
        )]
        last: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the page ends just before that item.")]
        before: Option<String>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<PartnerOrder>>,
    ) -> Result<PartnerConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(Action::ReadPartners, &Resource::Global, "partner")
            .gql()?;
        let page = st
            .store
            .partners_page(
                st.scope(),
                &page_request(first, after, last, before, PartnerOrder::sorted(order_by)?)?,
            )
            .await
            .gql()?;
        Ok(PartnerConnection { page, query: () })
    }
}

/// Input of `createPartner`.
#[derive(Debug, InputObject)]
pub struct CreatePartnerInput {
    /// The organization's name.
    name: String,
}

/// Result of `createPartner`.
#[derive(Debug, SimpleObject)]
pub struct CreatePartnerPayload {
    /// The new partner.
    partner: PartnerNode,
}

/// Input of `updatePartner`; deactivating refuses the partner's tokens at once.
#[derive(Debug, InputObject)]
pub struct UpdatePartnerInput {
    /// Global id of the partner to edit.
    partner_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
    /// New name.
    name: Option<String>,
    /// False deactivates the partner (its tokens are refused at once); true reactivates it.
    active: Option<bool>,
}

/// Result of `updatePartner`.
#[derive(Debug, SimpleObject)]
pub struct UpdatePartnerPayload {
    /// The partner as changed.
    partner: PartnerNode,
}

/// Input of `issuePartnerToken`.
#[derive(Debug, InputObject)]
pub struct IssuePartnerTokenInput {
    /// Global id of the partner the token acts for; a partner may omit it (or name itself):
    /// its tokens are always its own.
    partner_id: Option<ID>,
    /// Lifetime in days (default 90), at most `auth.partner_token_max_days` (365 by default).
    #[graphql(default = 90)]
    valid_for_days: i32,
}

/// Result of `issuePartnerToken`: the token is shown once and never stored.
#[derive(Debug, SimpleObject)]
pub struct IssuePartnerTokenPayload {
    /// The JWT to send as `Authorization: Bearer <token>`; shown only this once.
    token: String,
    /// The token's id (`jti`), for `revokeToken`.
    token_id: String,
    /// When the token stops being accepted.
    expires_at: DateTimeScalar,
}

/// Input of `revokeToken`.
#[derive(Debug, InputObject)]
pub struct RevokeTokenInput {
    /// The id (`jti`) of the token to revoke, as `issuePartnerToken` answered it.
    token_id: String,
}

/// Result of `revokeToken`.
#[derive(Debug, SimpleObject)]
pub struct RevokeTokenPayload {
    /// The revoked token's id.
    token_id: String,
    /// False when the token was already revoked.
    newly_revoked: bool,
}

/// Partner and token mutations.
#[derive(Debug, Default)]
pub struct PartnerMutations;

#[Object]
impl PartnerMutations {
    /// Adds a partner (admin only).
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new partner.")] input: CreatePartnerInput,
    ) -> Result<CreatePartnerPayload> {
        let st = state(ctx);
        let name = Text::name("name", &input.name).gql()?;
        let partner = service::create_partner(&st.ctx(), name).await.gql()?;
        Ok(CreatePartnerPayload {
            partner: PartnerNode(partner),
        })
    }

    /// Edits a partner (admin only).
    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and the fields to change.")] input: UpdatePartnerInput,
    ) -> Result<UpdatePartnerPayload> {
        let st = state(ctx);
        let id = partner_id("partnerId", &input.partner_id)?;
        let name = input
            .name
            .map(|n| Text::name("name", &n))
            .transpose()
            .gql()?;
        let partner =
            service::update_partner(&st.ctx(), id, input.expected_version, name, input.active)
                .await
                .gql()?;
        Ok(UpdatePartnerPayload {
            partner: PartnerNode(partner),
        })
    }

    /// Issues a JWT scoped to one partner: an admin for any partner, a partner for itself.
    /// The token is registered (never the token itself) and listed by `credentials`.
    async fn issue_partner_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and the token's lifetime.")] input: IssuePartnerTokenInput,
    ) -> Result<IssuePartnerTokenPayload> {
        let st = state(ctx);
        let id = input
            .partner_id
            .as_ref()
            .map(|id| partner_id("partnerId", id))
            .transpose()?;
        let issued = service::issue_partner_token(
            &st.ctx(),
            &st.keys,
            id,
            i64::from(input.valid_for_days),
            st.settings.auth.partner_token_max_days,
        )
        .await
        .gql()?;
        Ok(IssuePartnerTokenPayload {
            token: issued.token,
            token_id: issued.token_id,
            expires_at: issued.expires_at.into(),
        })
    }

    /// Revokes a token by id, refused from the next request on: an admin any token id, a
    /// partner its own tokens (another's do not exist for it).
    async fn revoke_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token to revoke.")] input: RevokeTokenInput,
    ) -> Result<RevokeTokenPayload> {
        let st = state(ctx);
        let newly_revoked = service::revoke_token(&st.ctx(), &input.token_id, None)
            .await
            .gql()?;
        Ok(RevokeTokenPayload {
            token_id: input.token_id,
            newly_revoked,
        })
    }
}
