use async_graphql::{Context, ID, Interface, Object, Result, ServerError, SimpleObject};
use rapport_domain::ids::{AccountId, ContactId, PartnerId, TeamMemberId};
use rapport_domain::permissions::{Action, Principal, Resource, authorize};

use super::account::{AccountNode, load_visible};
use super::contact::{ContactNode, load_contact};
use super::context::{RequestState, state};
use super::enums::Role;
use super::error::GqlResultExt;
use super::partner::PartnerNode;
use super::team::TeamMemberNode;
use crate::global_id::{self, Kind};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Global id: opaque, stable, and unique across every type."
))]
pub enum Node {
    /// An account.
    Account(AccountNode),
    /// A contact.
    Contact(ContactNode),
    /// A team member.
    TeamMember(TeamMemberNode),
    /// A partner.
    Partner(PartnerNode),
    /// An agreement.
    Agreement(super::agreement::AgreementNode),
    /// An interaction with a contact.
    Interaction(super::interaction::InteractionNode),
    /// One of the caller's notifications (only its member can read it).
    Notification(super::notifications::NotificationNode),
    /// An import job (its starter and admins can read it).
    ImportJob(super::import::ImportJobNode),
}

/// Resolves any global id the caller may see; `None` for anything else, so ids outside the
/// caller's scope look exactly like ids that do not exist.
pub(super) async fn resolve(st: &RequestState, id: &str) -> Result<Option<Node>> {
    let Some((kind, raw)) = global_id::decode_any(id) else {
        return Ok(None);
    };
    let principal = &st.caller.principal;
    Ok(match kind {
        Kind::Account => load_visible(st, AccountId::new(raw))
            .await
            .ok()
            .map(|a| Node::Account(AccountNode(a))),
        Kind::Contact => load_contact(st, ContactId::new(raw))
            .await
            .ok()
            .map(Node::Contact),
        Kind::TeamMember => {
            if authorize(principal, Action::ReadTeam, &Resource::Global).is_err() {
                return Ok(None);
            }
            st.team
                .load_one(TeamMemberId::new(raw))
                .await
                .gql()?
                .map(|m| Node::TeamMember(TeamMemberNode(m)))
        }
        Kind::Partner => {
            let id = PartnerId::new(raw);
            let own = principal.partner() == Some(id);
            if !own && authorize(principal, Action::ReadPartners, &Resource::Global).is_err() {
                return Ok(None);
            }
            st.partners
                .load_one(id)
                .await
                .gql()?
                .map(|p| Node::Partner(PartnerNode(p)))
        }
        Kind::Agreement => {
            super::agreement::load_agreement(st, rapport_domain::ids::AgreementId::new(raw))
                .await
                .ok()
                .map(Node::Agreement)
        }
        Kind::Interaction => super::interaction::load_interaction(st, raw)
            .await?
            .map(Node::Interaction),
        Kind::Notification => crate::service::own_notification(&st.ctx(), raw)
            .await
            .gql()?
            .map(|n| Node::Notification(super::notifications::NotificationNode(n))),
        Kind::ImportJob => crate::service::import_jobs::import_job(&st.ctx(), raw)
            .await
            .gql()?
            .map(|j| Node::ImportJob(super::import::ImportJobNode(j))),
        // Not resolvable by id (yet): webhook objects are read through their own fields.
        Kind::AuditEntry
        | Kind::WebhookEndpoint
        | Kind::WebhookDelivery
        | Kind::ServiceAccount
        | Kind::ApiKey => None,
    })
}

fn not_found(ctx: &Context<'_>, index: Option<usize>) -> ServerError {
    let mut err = ServerError::new("node not found", Some(ctx.item.pos));
    let mut path = vec![async_graphql::PathSegment::Field(
        ctx.item.node.response_key().node.to_string(),
    )];
    if let Some(i) = index {
        path.push(async_graphql::PathSegment::Index(i));
    }
    err.path = path;
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "NOT_FOUND");
    err.extensions = Some(ext);
    err
}

/// Who is calling.
#[derive(Debug, SimpleObject)]
#[graphql(complex)]
pub struct Viewer {
    /// The JWT subject (`sub`) of the caller's token.
    subject: String,
    /// The caller's role, which decides what they may read and do.
    role: Role,
    /// The caller's team-member record; null for partners.
    team_member: Option<TeamMemberNode>,
    /// The partner the caller acts for; null for staff.
    partner: Option<PartnerNode>,
}

/// Node and viewer queries.
#[derive(Debug, Default)]
pub struct NodeQueries;

#[Object]
impl NodeQueries {
    /// Any object by global id; NOT_FOUND when it does not exist or is outside the caller's
    /// scope.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of any object (its `id` field).")] id: ID,
    ) -> Result<Option<Node>> {
        match resolve(state(ctx), id.as_str()).await? {
            Some(node) => Ok(Some(node)),
            None => {
                ctx.add_error(not_found(ctx, None));
                Ok(None)
            }
        }
    }

    /// Objects by global id, in order; null (with a NOT_FOUND error) for each one that does
    /// not exist or is outside the caller's scope. At most 100 ids.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids of any objects; the answer keeps their order.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > 100 {
            return Err(super::error::gql(crate::error::ApiError::bad_input(
                "ids",
                "at most 100 ids",
            )));
        }
        let st = state(ctx);
        // One batch per kind up front; each `resolve` below then reads the loaders' cache.
        super::prime::nodes(ctx, &ids).await?;
        let mut out = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let node = resolve(st, id.as_str()).await?;
            if node.is_none() {
                ctx.add_error(not_found(ctx, Some(i)));
            }
            out.push(node);
        }
        Ok(out)
    }

    /// The caller.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let st = state(ctx);
        let principal = st.caller.principal;
        let (team_member, partner) = match principal {
            Principal::Staff { member, .. } => (
                st.team.load_one(member).await.gql()?.map(TeamMemberNode),
                None,
            ),
            Principal::Service { .. } => (None, None),
            Principal::Partner { partner, .. } => (
                None,
                st.partners.load_one(partner).await.gql()?.map(PartnerNode),
            ),
        };
        Ok(Viewer {
            subject: st.caller.subject.clone(),
            role: principal.role().into(),
            team_member,
            partner,
        })
    }
}
