use super::scalars::DateTimeScalar;
use crate::graphql::order::AuditEntryOrder;
use async_graphql::{Context, ID, InputObject, Object, Result};
use rapport_domain::permissions::{Action, Resource};

use super::connection::connection;
use super::context::state;
use super::error::GqlResultExt;
use super::filter_text::filter_text;
use super::filters::DateRange;
use super::ids::to_id;
use super::pagination::page_request;
use crate::auth::ReadScope;
use crate::global_id::{self, Kind};
use crate::store::{AuditEntry, AuditQuery, Store, StoreError};

/// One change, as recorded in the append-only audit log.
#[derive(Debug, Clone)]
pub struct AuditEntryNode(pub AuditEntry);

/// One change, as recorded in the append-only audit log: who did what to which entity, with
/// snapshots before and after.
#[Object(name = "AuditEntry")]
impl AuditEntryNode {
    /// Global id of the entry.
    async fn id(&self) -> ID {
        to_id(Kind::AuditEntry, self.0.id)
    }
    /// When the change was made.
    async fn at(&self) -> DateTimeScalar {
        self.0.at.into()
    }
    /// Subject of who made the change.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The mutation (`promoteToClient`).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The type of the changed entity: a GraphQL type name (`Account`, `Contact`, `Agreement`,
    /// `TeamMember`, `Partner`), `Resync` / `SyncProvider` for sync administration, or
    /// `Scheduler` for the summary of a scheduler run.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global id of the changed entity.
    async fn entity_id(&self) -> Option<ID> {
        let kind = [
            Kind::Account,
            Kind::Contact,
            Kind::TeamMember,
            Kind::Partner,
            Kind::Agreement,
        ]
        .into_iter()
        .find(|k| k.name() == self.0.entity_type)?;
        let raw: i64 = self.0.entity_id.parse().ok()?;
        (raw > 0).then(|| ID(global_id::encode(kind, raw)))
    }
    /// Snapshot before, as JSON text.
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// Snapshot after, as JSON text.
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// The request that made the change.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
}

async fn count_audit(
    store: &Store,
    scope: ReadScope,
    query: &AuditQuery,
) -> Result<u64, StoreError> {
    store.audit_count(scope, query).await
}

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntryNode,
    AuditEntry,
    AuditQuery,
    count_audit,
    super::prime::nothing
);

/// Which audit entries to list: every part given must hold (AND).
#[derive(Debug, Default, InputObject)]
pub struct AuditFilter {
    /// Only changes of this entity (global id).
    entity_id: Option<ID>,
    /// Only changes of entities of this type, as `AuditEntry.entityType` names it
    /// (`Account`, `Contact`, `Agreement`, `TeamMember`, `Partner`, `Interaction`,
    /// `Resync`, `SyncProvider`, `Scheduler`).
    entity_type: Option<String>,
    /// Only changes by this subject.
    actor: Option<String>,
    /// Only this mutation.
    action: Option<String>,
    /// Only changes made on a day of this window (UTC days, inclusive).
    at: Option<DateRange>,
}

/// The entity types the audit log names.
const ENTITY_TYPES: [&str; 9] = [
    "Account",
    "Contact",
    "Agreement",
    "TeamMember",
    "Partner",
    "Interaction",
    "Resync",
    "SyncProvider",
    "Scheduler",
];

/// Audit queries.
#[derive(Debug, Default)]
pub struct AuditQueries;

#[Object]
impl AuditQueries {
    /// The audit log, oldest first.
    #[expect(
        clippy::too_many_arguments,
        reason = "one per GraphQL argument: paging, filter and orderBy"
    )]
    async fn audit_log(
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
        #[graphql(desc = "Which entries to list; all when omitted.")] filter: Option<AuditFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<AuditEntryOrder>>,
    ) -> Result<AuditEntryConnection> {
        let st = state(ctx);
        st.ctx()
            .authorize(Action::ReadAuditLog, &Resource::Global, "audit log")
            .gql()?;
        let filter = filter.unwrap_or_default();
        let entity_type = filter_text("filter.entityType", filter.entity_type)?;
        if let Some(t) = &entity_type
            && !ENTITY_TYPES.contains(&t.as_str())
        {
            return Err(super::error::gql(crate::error::ApiError::bad_input(
                "filter.entityType",
                format!("is not one of {}", ENTITY_TYPES.join(", ")),
            )));
        }
        let mut query = AuditQuery {
            actor: filter_text("filter.actor", filter.actor)?,
            action: filter_text("filter.action", filter.action)?,
            at: super::filters::window(filter.at, "filter.at")?,
            entity_type,
            ..Default::default()
        };
        if let Some(id) = filter.entity_id {
            match global_id::decode_any(id.as_str()) {
                // An id of another type than `entityType` matches nothing.
                Some((kind, raw)) => {
                    query.contradiction =
                        query.entity_type.as_ref().is_some_and(|t| t != kind.name());
                    query.entity_type = Some(kind.name().to_owned());
                    query.entity_id = Some(raw.to_string());
                }
                None => {
                    return Err(super::error::gql(crate::error::ApiError::bad_input(
                        "filter.entityId",
                        "is not an id from this API",
                    )));
                }
            }
        }
        let page = st
            .store
            .audit_page(
                st.scope(),
                &query,
                &page_request(
                    first,
                    after,
                    last,
                    before,
                    AuditEntryOrder::sorted(order_by)?,
                )?,
            )
            .await
            .gql()?;
        Ok(AuditEntryConnection { page, query })
    }
}
