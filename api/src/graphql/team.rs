use crate::graphql::order::{AccountOrder, TeamMemberOrder};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::team::{Subject, TeamMember, staff_role};
use rapport_domain::values::{EmailAddress, Text};

use super::account::{AccountConnection, list as list_accounts};
use super::connection::connection;
use super::context::state;
use super::enums::Role;
use super::error::GqlResultExt;
use super::ids::{team_member_id, to_id};
use super::pagination::page_request;
use super::scalars::EmailScalar;
use crate::auth::ReadScope;
use crate::global_id::Kind;
use crate::service::{self, TeamMemberChanges};
use crate::store::{AccountQuery, NewTeamMember, Store, StoreError, TeamQuery};

/// A member of staff.
#[derive(Debug, Clone)]
pub struct TeamMemberNode(pub TeamMember);

/// A member of staff: who they are, their role, and the accounts they manage.
#[Object(name = "TeamMember")]
impl TeamMemberNode {
    /// Global id, for `node(id:)` and every `teamMemberId` or `accountManagerId` input.
    pub async fn id(&self) -> ID {
        to_id(Kind::TeamMember, self.0.id.get())
    }
    /// Full name.
    async fn name(&self) -> &str {
        self.0.name.as_str()
    }
    /// Work email address.
    async fn email(&self) -> EmailScalar {
        EmailScalar(self.0.email.as_str().to_owned())
    }
    /// What the member may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// False once deactivated: their tokens are refused.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The JWT subject this member's tokens carry.
    async fn subject(&self) -> &str {
        self.0.subject.as_str()
    }
    /// Optimistic-concurrency version: it grows with every change; mutations take it as
    /// `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Accounts this member manages.
    async fn managed_accounts(
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
            manager: Some(self.0.id),
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

async fn count_team(store: &Store, scope: ReadScope, query: &TeamQuery) -> Result<u64, StoreError> {
    store.team_members_count(scope, *query).await
}

connection!(
    TeamMemberConnection,
    TeamMemberEdge,
    TeamMemberNode,
    TeamMember,
    TeamQuery,
    count_team,
    super::prime::nothing
);

/// Which members to list.
#[derive(Debug, Default, InputObject)]
pub struct TeamMemberFilter {
    /// Only members with this role.
    role: Option<Role>,
    /// Only active (true) or only deactivated (false) members.
    active: Option<bool>,
}

/// Team queries.
#[derive(Debug, Default)]
pub struct TeamQueries;

#[Object]
impl TeamQueries {
    /// The team.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn team_members(
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
        #[graphql(desc = "Which members to list; all when omitted.")] filter: Option<
            TeamMemberFilter,
        >,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<TeamMemberOrder>>,
    ) -> Result<TeamMemberConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(Action::ReadTeam, &Resource::Global, "team member")
            .gql()?;
        let filter = filter.unwrap_or_default();
        let query = TeamQuery {
            role: filter.role.map(Into::into),
            active: filter.active,
        };
        let page = st
            .store
            .team_members_page(
                st.scope(),
                query,
                &page_request(
                    first,
                    after,
                    last,
                    before,
                    TeamMemberOrder::sorted(order_by)?,
                )?,
            )
            .await
            .gql()?;
        Ok(TeamMemberConnection { page, query })
    }
}

/// Input of `createTeamMember`.
#[derive(Debug, InputObject)]
pub struct CreateTeamMemberInput {
    /// Full name.
    name: String,
    /// Work email address.
    email: EmailScalar,
    /// What the member may do (any role but PARTNER).
    role: Role,
    /// The JWT `sub` their tokens will carry.
    subject: String,
}

/// Result of `createTeamMember`.
#[derive(Debug, SimpleObject)]
pub struct CreateTeamMemberPayload {
    /// The new member.
    team_member: TeamMemberNode,
}

/// Input of `updateTeamMember`; deactivating refuses the member's tokens at once.
#[derive(Debug, InputObject)]
pub struct UpdateTeamMemberInput {
    /// Global id of the member to edit.
    team_member_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
    /// New full name.
    name: Option<String>,
    /// New work email address.
    email: Option<EmailScalar>,
    /// New role.
    role: Option<Role>,
    /// False deactivates the member (their tokens are refused at once); true reactivates them.
    active: Option<bool>,
}

/// Result of `updateTeamMember`.
#[derive(Debug, SimpleObject)]
pub struct UpdateTeamMemberPayload {
    /// The member as changed.
    team_member: TeamMemberNode,
}

/// Team mutations.
#[derive(Debug, Default)]
pub struct TeamMutations;

#[Object]
impl TeamMutations {
    /// Adds a member of staff (admin only).
    async fn create_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new member.")] input: CreateTeamMemberInput,
    ) -> Result<CreateTeamMemberPayload> {
        let st = state(ctx);
        let new = NewTeamMember {
            name: Text::name("name", &input.name).gql()?,
            email: EmailAddress::parse(&input.email.0).gql()?,
            role: staff_role(input.role.into()).gql()?,
            subject: Subject::parse(&input.subject).gql()?,
        };
        let member = service::create_team_member(&st.ctx(), new).await.gql()?;
        Ok(CreateTeamMemberPayload {
            team_member: TeamMemberNode(member),
        })
    }

    /// Edits a member of staff (admin only).
    async fn update_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member and the fields to change.")] input: UpdateTeamMemberInput,
    ) -> Result<UpdateTeamMemberPayload> {
        let st = state(ctx);
        let id = team_member_id("teamMemberId", &input.team_member_id)?;
        let changes = TeamMemberChanges {
            name: input
                .name
                .map(|n| Text::name("name", &n))
                .transpose()
                .gql()?,
            email: input
                .email
                .map(|e| EmailAddress::parse(&e.0))
                .transpose()
                .gql()?,
            role: input.role.map(|r| staff_role(r.into())).transpose().gql()?,
            active: input.active,
        };
        let member = service::update_team_member(&st.ctx(), id, input.expected_version, changes)
            .await
            .gql()?;
        Ok(UpdateTeamMemberPayload {
            team_member: TeamMemberNode(member),
        })
    }
}
