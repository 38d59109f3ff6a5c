use super::scalars::DateTimeScalar;
use crate::graphql::order::{AccountOrder, AgreementOrder, ContactOrder};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::NaiveDate;
use rapport_domain::account::{Account, AccountDomain, NewAccount};
use rapport_domain::permissions::{Action, Resource, authorize};
use rapport_domain::values::{EmailDomain, Text};

use super::connection::connection;
use super::contact::{ContactConnection, ContactFilter};
use super::context::{RequestState, state};
use super::enums::{
    AccountKind, AccountStatus, AcquisitionChannel, ComplianceStatus, RelationshipType,
};
use super::error::{GqlResultExt, gql};
use super::filter_text::filter_text;
use super::ids::{account_id, partner_id, team_member_id, to_id};
use super::pagination::page_request;
use super::partner::PartnerNode;
use super::team::TeamMemberNode;
use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::{self, AccountChanges};
use crate::store::{AccountQuery, ContactQuery, Store, StoreError};

/// An account: the party we have a relationship with.
#[derive(Debug, Clone)]
pub struct AccountNode(pub Account);

pub(crate) fn account_scope(account: &Account) -> Resource {
    Resource::Account(service::account_scope(account))
}

/// Whether the caller may read this account (a partner only sees what it referred).
pub(crate) fn visible(st: &RequestState, account: &Account) -> bool {
    authorize(
        &st.caller.principal,
        Action::ReadAccount,
        &account_scope(account),
    )
    .is_ok()
}

/// Loads one account through the request's loader, as NOT_FOUND when absent or out of scope.
pub(crate) async fn load_visible(
    st: &RequestState,
    id: rapport_domain::ids::AccountId,
) -> Result<Account> {
    match st.accounts.load_one(id).await.gql()? {
        Some(account) if visible(st, &account) => Ok(account),
        _ => Err(gql(ApiError::NotFound("account"))),
    }
}

impl AccountNode {
    /// The account's domains, read apart from the account (only when asked for).
    async fn domains_of(&self, ctx: &Context<'_>) -> Result<Vec<AccountDomain>> {
        Ok(state(ctx)
            .domains
            .load_one(self.0.id())
            .await
            .gql()?
            .unwrap_or_default())
    }
}

/// An account: the individual or organization we have a relationship with, as a customer or as a
/// client.
#[Object(name = "Account")]
impl AccountNode {
    /// Global id, for `node(id:)` and every `accountId` input.
    pub async fn id(&self) -> ID {
        to_id(Kind::Account, self.0.id().get())
    }
    /// Display name of the person or organization.
    async fn name(&self) -> &str {
        self.0.parts().name.as_str()
    }
    /// Where the account came from, when it was imported with an id of another system.
    async fn external_id(&self) -> Option<super::import::ExternalIdOut> {
        self.0.parts().external.as_ref().map(Into::into)
    }
    /// A single person or an organization.
    async fn kind(&self) -> AccountKind {
        self.0.parts().kind.into()
    }
    /// CUSTOMER or CLIENT; changed only by `promoteToClient` and `demoteToCustomer`.
    async fn relationship_type(&self) -> RelationshipType {
        self.0.relationship().into()
    }
    /// The dedicated manager (always set for a CLIENT). Null for callers who may not read the
    /// team (partners).
    async fn account_manager(&self, ctx: &Context<'_>) -> Result<Option<TeamMemberNode>> {
        let st = state(ctx);
        let Some(id) = self.0.account_manager() else {
            return Ok(None);
        };
        if authorize(&st.caller.principal, Action::ReadTeam, &Resource::Global).is_err() {
            return Ok(None);
        }
        Ok(st.team.load_one(id).await.gql()?.map(TeamMemberNode))
    }
    /// The parent account, when the caller may see it.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<AccountNode>> {
        let st = state(ctx);
        let Some(id) = self.0.parts().parent else {
            return Ok(None);
        };
        Ok(st
            .accounts
            .load_one(id)
            .await
            .gql()?
            .filter(|a| visible(st, a))
            .map(AccountNode))
    }
    /// Accounts whose parent this account is, oldest first.
    async fn children(
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
            parent: Some(self.0.id()),
            ..Default::default()
        };
        list(
            st,
            query,
            page_request(first, after, last, before, AccountOrder::sorted(order_by)?)?,
        )
        .await
    }
    /// Every email domain named for the account, confirmed or not (see `domainClaims`).
    async fn domains(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(self
            .domains_of(ctx)
            .await?
            .iter()
            .map(|d| d.domain.as_str().to_owned())
            .collect())
    }
    /// The account's email domains with their state: only confirmed ones route new contacts
    /// created without an `accountId`. Domains named by a partner stay unconfirmed until an
    /// admin or the account's manager confirms them.
    async fn domain_claims(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::account_domains::DomainClaim>> {
        Ok(super::account_domains::claims(&self.domains_of(ctx).await?))
    }
    /// How the account came to us.
    async fn acquisition_channel(&self) -> AcquisitionChannel {
        self.0.parts().acquisition_channel.into()
    }
    /// The partner who referred the account.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<PartnerNode>> {
        let st = state(ctx);
        let Some(id) = self.0.partner() else {
            return Ok(None);
        };
        let own = st.caller.principal.partner() == Some(id);
        if !own
            && authorize(
                &st.caller.principal,
                Action::ReadPartners,
                &Resource::Global,
            )
            .is_err()
        {
            return Ok(None);
        }
        Ok(st.partners.load_one(id).await.gql()?.map(PartnerNode))
    }
    /// ACTIVE while we serve the account; CHURNED after `churnAccount`.
    async fn status(&self) -> AccountStatus {
        self.0.parts().status.into()
    }
    /// When the account was marked churned; null while active.
    async fn churned_at(&self) -> Option<DateTimeScalar> {
        self.0.parts().churned_at.map(Into::into)
    }
    /// The account's contacts, oldest first.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn contacts(
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
        #[graphql(desc = "Which of the account's contacts to list; all when omitted.")]
        filter: Option<ContactFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<ContactOrder>>,
    ) -> Result<ContactConnection> {
        let st = state(ctx);
        let mut query = match filter {
            Some(f) => f.into_query(st.now.date_naive())?,
            None => ContactQuery::default(),
        };
        query.account = Some(self.0.id());
        super::contact::list(
            st,
            query,
            page_request(first, after, last, before, ContactOrder::sorted(order_by)?)?,
        )
        .await
    }
    /// The account's agreements, oldest first.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn agreements(
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
        #[graphql(desc = "Which of the account's agreements to list; all when omitted.")]
        filter: Option<super::filters::AgreementFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<AgreementOrder>>,
    ) -> Result<super::agreement::AgreementConnection> {
        let st = state(ctx);
        let mut query = filter.unwrap_or_default().into_query("filter.")?;
        let page = page_request(
            first,
            after,
            last,
            before,
            AgreementOrder::sorted(order_by)?,
        )?;
        // The filter's account and this one must both hold: another account matches nothing.
        query.contradiction = query.account.is_some_and(|a| a != self.0.id());
        query.account = Some(self.0.id());
        super::agreement::list(st, query, page, super::agreement::managers_asked(ctx)).await
    }
    /// Every change between customer and client, oldest first.
    async fn relationship_history(&self, ctx: &Context<'_>) -> Result<Vec<RelationshipChange>> {
        let st = state(ctx);
        let history = st
            .histories
            .load_one(self.0.id())
            .await
            .gql()?
            .unwrap_or_default();
        let shown = super::people::shown(st, history.iter().map(|c| c.actor.as_str())).await?;
        Ok(history
            .into_iter()
            .map(|c| RelationshipChange {
                from: c.from.into(),
                to: c.to.into(),
                reason: c.reason.into_string(),
                actor: shown.of(&c.actor),
                at: c.at.into(),
            })
            .collect())
    }
    /// Optimistic-concurrency version: it grows with every change; mutations take it as
    /// `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.parts().version
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTimeScalar {
        self.0.parts().created_at.into()
    }
    /// When the account last changed.
    async fn updated_at(&self) -> DateTimeScalar {
        self.0.parts().updated_at.into()
    }
}

/// One change of relationship type.
#[derive(Debug, SimpleObject)]
pub struct RelationshipChange {
    /// The relationship type before the change.
    from: RelationshipType,
    /// The relationship type after the change.
    to: RelationshipType,
    /// Why, as given to `promoteToClient` or `demoteToCustomer`.
    reason: String,
    /// Who made the change: the subject for staff, the display name for partners.
    actor: String,
    /// When the change was made.
    at: DateTimeScalar,
}

async fn count_accounts(
    store: &Store,
    scope: ReadScope,
    query: &AccountQuery,
    counting: crate::store::Counting,
) -> Result<u64, StoreError> {
    store.accounts_total(scope, query, counting).await
}

connection!(
    AccountConnection,
    AccountEdge,
    AccountNode,
    Account,
    AccountQuery,
    counted count_accounts,
    super::prime::accounts
);

/// Lists accounts within the caller's row-level scope.
pub(crate) async fn list(
    st: &RequestState,
    query: AccountQuery,
    page: crate::store::PageRequest<crate::store::AccountSort>,
) -> Result<AccountConnection> {
    super::people::refuse_team_filter(st, query.manager)?;
    if page
        .order
        .iter()
        .any(|s| s.field == crate::store::AccountSort::NextDeadline)
    {
        super::order::refuse_terms_sort(st)?;
    }
    let page = st
        .store
        .accounts_page(st.scope(), &query, &page)
        .await
        .gql()?;
    Ok(AccountConnection { page, query })
}

/// Which accounts to list.
#[derive(Debug, Default, InputObject)]
pub struct AccountFilter {
    /// Only customers or only clients.
    relationship_type: Option<RelationshipType>,
    /// Only accounts managed by this team member (global id).
    account_manager_id: Option<ID>,
    /// Only accounts referred by this partner (global id).
    partner_id: Option<ID>,
    /// Only active or only churned accounts.
    status: Option<AccountStatus>,
    /// Only individuals or only organizations.
    kind: Option<AccountKind>,
    /// Name contains this text (case-insensitive).
    search: Option<String>,
    /// `true`: only clients without an agreement in force; `false`: only accounts with one.
    without_agreement_in_force: Option<bool>,
    /// Only accounts with an agreement in force that has any metric in one of these states
    /// in its current period (each metric's own month or quarter, today by the server's
    /// clock), e.g. `[BREACHED, AT_RISK]`. `NOT_MEASURED` is refused.
    compliance_in: Option<Vec<ComplianceStatus>>,
}

impl AccountFilter {
    /// The store query; `prefix` names the argument in errors, `today` dates `complianceIn`.
    pub(crate) fn into_query(self, prefix: &str, today: NaiveDate) -> Result<AccountQuery> {
        let search = filter_text(&format!("{prefix}search"), self.search)?;
        let compliance = super::filters::compliance_query(
            self.compliance_in,
            &format!("{prefix}complianceIn"),
            today,
        )?;
        Ok(AccountQuery {
            relationship: self.relationship_type.map(Into::into),
            manager: self
                .account_manager_id
                .map(|id| team_member_id(&format!("{prefix}accountManagerId"), &id))
                .transpose()?,
            partner: self
                .partner_id
                .map(|id| partner_id(&format!("{prefix}partnerId"), &id))
                .transpose()?,
            status: self.status.map(Into::into),
            kind: self.kind.map(Into::into),
            search,
            without_agreement_in_force: self.without_agreement_in_force,
            parent: None,
            compliance,
        })
    }
}

/// Account queries.
#[derive(Debug, Default)]
pub struct AccountQueries;

#[Object]
impl AccountQueries {
    /// One account; NOT_FOUND when it does not exist or is outside the caller's scope.
    async fn account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the account.")] id: ID,
    ) -> Result<Option<AccountNode>> {
        let st = state(ctx);
        let Ok(id) = account_id("id", &id) else {
            return Err(gql(ApiError::NotFound("account")));
        };
        Ok(Some(AccountNode(load_visible(st, id).await?)))
    }

    /// Accounts, newest last; a partner sees only the accounts it referred.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
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
        #[graphql(desc = "Which accounts to list; all (within the caller's scope) when omitted.")]
        filter: Option<AccountFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<AccountOrder>>,
    ) -> Result<AccountConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(Action::ReadAccount, &Resource::Global, "account")
            .gql()?;
        let query = filter
            .unwrap_or_default()
            .into_query("filter.", st.now.date_naive())?;
        list(
            st,
            query,
            page_request(first, after, last, before, AccountOrder::sorted(order_by)?)?,
        )
        .await
    }
}

/// Input of `createAccount`.
#[derive(Debug, InputObject)]
pub struct CreateAccountInput {
    /// Display name of the person or organization (not blank).
    name: String,
    /// A single person or an organization.
    kind: AccountKind,
    /// Global id of the parent account (a group's subsidiary, say); none when omitted.
    parent_id: Option<ID>,
    /// Email domains. Named by staff they are confirmed and route new contacts created without
    /// an `accountId`; named by a partner they stay unconfirmed claims until staff confirm them.
    #[graphql(default)]
    domains: Vec<String>,
    /// How the account came to us.
    acquisition_channel: AcquisitionChannel,
    /// Global id of the referring partner (staff only; a partner's own accounts are always
    /// referred by it).
    partner_id: Option<ID>,
}

/// Result of `createAccount`.
#[derive(Debug, SimpleObject)]
pub struct CreateAccountPayload {
    /// The new account.
    account: AccountNode,
}

/// Input of `updateAccount`: omitted fields keep their value; `parentId: null` removes the parent.
#[derive(Debug, InputObject)]
pub struct UpdateAccountInput {
    /// Global id of the account to edit.
    account_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
    /// New display name.
    name: Option<String>,
    /// New kind.
    kind: Option<AccountKind>,
    /// New parent account (global id); null removes the parent.
    parent_id: MaybeUndefined<ID>,
    /// Replaces the domains: a domain kept keeps its state (a claim stays unconfirmed until
    /// `confirmAccountDomains`); a domain added is confirmed.
    domains: Option<Vec<String>>,
    /// New acquisition channel.
    acquisition_channel: Option<AcquisitionChannel>,
}

/// Result of `updateAccount`.
#[derive(Debug, SimpleObject)]
pub struct UpdateAccountPayload {
    /// The account as changed.
    account: AccountNode,
}

/// Input of `promoteToClient`.
#[derive(Debug, InputObject)]
pub struct PromoteToClientInput {
    /// Global id of the customer account to promote.
    account_id: ID,
    /// Global id of the team member who will manage the client; they must be allowed to manage
    /// accounts.
    account_manager_id: ID,
    /// Why the account becomes a client (kept in its relationship history).
    reason: String,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
}

/// Result of `promoteToClient`.
#[derive(Debug, SimpleObject)]
pub struct PromoteToClientPayload {
    /// The account, now a CLIENT.
    account: AccountNode,
}

/// Input of `demoteToCustomer`.
#[derive(Debug, InputObject)]
pub struct DemoteToCustomerInput {
    /// Global id of the client account to demote.
    account_id: ID,
    /// Why the account becomes a customer (kept in its relationship history).
    reason: String,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
}

/// Result of `demoteToCustomer`.
#[derive(Debug, SimpleObject)]
pub struct DemoteToCustomerPayload {
    /// The account, now a CUSTOMER.
    account: AccountNode,
}

/// Input of `assignAccountManager`; `accountManagerId: null` removes a customer's manager.
#[derive(Debug, InputObject)]
pub struct AssignAccountManagerInput {
    /// Global id of the account.
    account_id: ID,
    /// Global id of the new manager; null removes a customer's manager (a client always keeps
    /// one).
    account_manager_id: Option<ID>,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
}

/// Result of `assignAccountManager`.
#[derive(Debug, SimpleObject)]
pub struct AssignAccountManagerPayload {
    /// The account with its new manager.
    account: AccountNode,
}

/// Input of `churnAccount`.
#[derive(Debug, InputObject)]
pub struct ChurnAccountInput {
    /// Global id of the account that left us.
    account_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
}

/// Result of `churnAccount`.
#[derive(Debug, SimpleObject)]
pub struct ChurnAccountPayload {
    /// The account, now CHURNED.
    account: AccountNode,
}

pub(super) fn domains(field: &str, raw: &[String]) -> Result<Vec<EmailDomain>> {
    raw.iter()
        .enumerate()
        .map(|(i, d)| EmailDomain::parse(d).map_err(|e| e.at(format!("{field}[{i}]"))))
        .collect::<Result<_, _>>()
        .gql()
}

/// Account mutations.
#[derive(Debug, Default)]
pub struct AccountMutations;

#[Object]
impl AccountMutations {
    /// Creates an account (as a CUSTOMER). A partner's accounts are referred by the partner.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: CreateAccountInput,
    ) -> Result<CreateAccountPayload> {
        let st = state(ctx);
        // A partner's accounts always come through the partner channel; the service also
        // forces the referring partner to be the caller.
        let channel = if st.caller.principal.partner().is_some() {
            rapport_domain::account::AcquisitionChannel::Partner
        } else {
            input.acquisition_channel.into()
        };
        let new = NewAccount::new(
            Text::name("name", &input.name).gql()?,
            input.kind.into(),
            input
                .parent_id
                .map(|id| account_id("parentId", &id))
                .transpose()?,
            domains("domains", &input.domains)?,
            channel,
            input
                .partner_id
                .map(|id| partner_id("partnerId", &id))
                .transpose()?,
        )
        .gql()?;
        let account = service::create_account(&st.ctx(), new).await.gql()?;
        Ok(CreateAccountPayload {
            account: AccountNode(account),
        })
    }

    /// Edits an account's details.
    async fn update_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and the fields to change.")] input: UpdateAccountInput,
    ) -> Result<UpdateAccountPayload> {
        let st = state(ctx);
        let id = account_id("accountId", &input.account_id)?;
        let changes = AccountChanges {
            name: input
                .name
                .map(|n| Text::name("name", &n))
                .transpose()
                .gql()?,
            kind: input.kind.map(Into::into),
            parent: match input.parent_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(account_id("parentId", &id)?)),
            },
            domains: input.domains.map(|d| domains("domains", &d)).transpose()?,
            acquisition_channel: input.acquisition_channel.map(Into::into),
        };
        let account = service::update_account(&st.ctx(), id, input.expected_version, changes)
            .await
            .gql()?;
        Ok(UpdateAccountPayload {
            account: AccountNode(account),
        })
    }

    /// Makes a customer a client, naming its dedicated manager and why.
    async fn promote_to_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer, its manager-to-be and the reason.")]
        input: PromoteToClientInput,
    ) -> Result<PromoteToClientPayload> {
        let st = state(ctx);
        let id = account_id("accountId", &input.account_id)?;
        let manager = team_member_id("accountManagerId", &input.account_manager_id)?;
        let reason = Text::reason("reason", &input.reason).gql()?;
        let account =
            service::promote_to_client(&st.ctx(), id, manager, reason, input.expected_version)
                .await
                .gql()?;
        Ok(PromoteToClientPayload {
            account: AccountNode(account),
        })
    }

    /// Makes a client a customer; refused while an agreement is in force.
    async fn demote_to_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client and the reason.")] input: DemoteToCustomerInput,
    ) -> Result<DemoteToCustomerPayload> {
        let st = state(ctx);
        let id = account_id("accountId", &input.account_id)?;
        let reason = Text::reason("reason", &input.reason).gql()?;
        let account = service::demote_to_customer(&st.ctx(), id, reason, input.expected_version)
            .await
            .gql()?;
        Ok(DemoteToCustomerPayload {
            account: AccountNode(account),
        })
    }

    /// Names the account's manager (or removes a customer's).
    async fn assign_account_manager(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and its new manager.")] input: AssignAccountManagerInput,
    ) -> Result<AssignAccountManagerPayload> {
        let st = state(ctx);
        let id = account_id("accountId", &input.account_id)?;
        let manager = input
            .account_manager_id
            .map(|m| team_member_id("accountManagerId", &m))
            .transpose()?;
        let account =
            service::assign_account_manager(&st.ctx(), id, manager, input.expected_version)
                .await
                .gql()?;
        Ok(AssignAccountManagerPayload {
            account: AccountNode(account),
        })
    }

    /// Marks an account churned; refused while an agreement is in force.
    async fn churn_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account that left us.")] input: ChurnAccountInput,
    ) -> Result<ChurnAccountPayload> {
        let st = state(ctx);
        let id = account_id("accountId", &input.account_id)?;
        let account = service::churn_account(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(ChurnAccountPayload {
            account: AccountNode(account),
        })
    }
}
