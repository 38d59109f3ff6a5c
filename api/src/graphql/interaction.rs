//! Interactions with a contact (calls recorded from Ringover's webhooks, and calls, emails and
//! meetings recorded with `recordInteraction`): `Contact.interactions`,
//! newest first, and `node(id:)`. Whoever may read the contact may read its interactions.

use super::enums::{InteractionDirection, InteractionKind};
use super::scalars::DateTimeScalar;
use async_graphql::{Context, ID, Object, Result};
use rapport_domain::contact::Contact;
use rapport_domain::ids::ContactId;
use rapport_domain::permissions::{Action, authorize};

use super::account::{account_scope, load_visible};
use super::connection::{RowId, connection};
use super::context::{RequestState, state};
use super::error::{GqlResultExt, gql};
use super::ids::to_id;
use super::order::OrderDirection;
use super::pagination::{decode_cursor, id_page_request};
use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::{
    Interaction, InteractionPage, InteractionQuery, InteractionSort, Page, Store, StoreError,
};

/// Something that happened with a contact: a call, …
#[derive(Debug, Clone)]
pub struct InteractionNode(pub Interaction);

/// Something that happened with a contact: recorded from a provider (a call, from Ringover),
/// or by hand (`recordInteraction`: a call, an email, a meeting).
#[Object(name = "Interaction")]
impl InteractionNode {
    /// Global id, for `node(id:)`.
    pub async fn id(&self) -> ID {
        to_id(Kind::Interaction, self.0.id)
    }
    /// What kind of interaction it was.
    async fn kind(&self) -> InteractionKind {
        self.0.kind.into()
    }
    /// Who started it (the contact or us), when the provider says.
    async fn direction(&self) -> Option<InteractionDirection> {
        self.0.direction.map(Into::into)
    }
    /// When it happened (a call: when it started).
    async fn at(&self) -> DateTimeScalar {
        self.0.at.into()
    }
    /// How long it lasted, in seconds, when known.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }
    /// Where it came from: the provider (`ringover`), or the system that recorded it by hand
    /// (`helpdesk`, `manual`).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// What happened, in a few words (`Call ended`, `Missed (NO_ANSWER)`).
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
}

impl RowId for Interaction {
    fn row_id(&self) -> i64 {
        self.id
    }
}

async fn count_interactions(
    store: &Store,
    scope: ReadScope,
    query: &InteractionQuery,
) -> Result<u64, StoreError> {
    store.interactions_count(scope, query).await
}

connection!(
    InteractionConnection,
    InteractionEdge,
    InteractionNode,
    Interaction,
    InteractionQuery,
    count_interactions,
    super::prime::nothing
);

/// The page `first`/`after` or `last`/`before` and `orderBy` ask for: by default newest
/// first. A cursor continues only the order it was made in.
pub(crate) fn interaction_page(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    order: Option<Vec<InteractionOrder>>,
) -> Result<InteractionPage> {
    let page = id_page_request(first, None, last, None)?;
    let order = order.unwrap_or_default();
    if order.len() > 1 {
        return Err(gql(ApiError::bad_input(
            "orderBy",
            "may name one sort key for interactions",
        )));
    }
    let (sort, desc) = order.first().map_or((InteractionSort::At, true), |o| {
        (
            match o.field {
                InteractionOrderField::At => InteractionSort::At,
                InteractionOrderField::CreatedAt => InteractionSort::CreatedAt,
            },
            o.direction == OrderDirection::Desc,
        )
    });
    let mut out = InteractionPage {
        after: None,
        before: None,
        limit: page.limit,
        from_end: page.from_end,
        sort,
        desc,
    };
    let expected = out.signature();
    let position = |field: &str, raw: Option<String>| -> Result<Option<i64>> {
        let Some(raw) = raw else { return Ok(None) };
        let k = decode_cursor(field, &raw).map_err(gql)?;
        if k.order != expected || !k.values.is_empty() {
            let name = |o: &str| {
                if o.is_empty() {
                    "newest first".to_owned()
                } else {
                    o.to_owned()
                }
            };
            return Err(gql(ApiError::bad_input(
                field,
                format!(
                    "was made for another order ({}) than this request's ({}); start again without a cursor",
                    name(&k.order),
                    name(&expected),
                ),
            )));
        }
        Ok(Some(k.id))
    };
    out.after = position("after", after)?;
    out.before = position("before", before)?;
    Ok(out)
}

/// One sort key of interactions (one at most; without it, newest first).
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct InteractionOrder {
    /// The sort key.
    pub field: InteractionOrderField,
    /// The direction (ascending unless given).
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// What interactions can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum InteractionOrderField {
    /// When it happened.
    At,
    /// When Rapport recorded it.
    CreatedAt,
}

/// Whether the caller may read the contacts of this contact's account.
async fn may_read(st: &RequestState, contact: &Contact) -> bool {
    match load_visible(st, contact.parts().account).await {
        Ok(account) => authorize(
            &st.caller.principal,
            Action::ReadContact,
            &account_scope(&account),
        )
        .is_ok(),
        Err(_) => false,
    }
}

/// `Contact.interactions`: a page of the contact's interactions, newest first, through the
/// request's loader (a page of contacts primes every contact's page in one statement).
pub(crate) async fn of_contact(
    ctx: &Context<'_>,
    contact: &Contact,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    order: Option<Vec<InteractionOrder>>,
) -> Result<InteractionConnection> {
    let st = state(ctx);
    let page = interaction_page(first, after, last, before, order)?;
    if !may_read(st, contact).await {
        return Err(gql(ApiError::NotFound("contact")));
    }
    let query = InteractionQuery {
        contact: contact.id(),
    };
    let page = st
        .interactions
        .load_one((contact.id(), page))
        .await
        .gql()?
        .unwrap_or(Page {
            items: Vec::new(),
            has_next: page.from_end && page.before.is_some(),
            has_previous: !page.from_end && page.after.is_some(),
            cursors: Vec::new(),
        });
    Ok(InteractionConnection { page, query })
}

/// `node(id:)`: the interaction, when the caller may read its contact.
pub(crate) async fn load_interaction(
    st: &RequestState,
    id: i64,
) -> Result<Option<InteractionNode>> {
    let Some(interaction) = st
        .store
        .interactions_by_ids(st.scope(), &[id])
        .await
        .gql()?
        .pop()
    else {
        return Ok(None);
    };
    let contact: Option<Contact> = st.contacts.load_one(interaction.contact).await.gql()?;
    match contact {
        Some(contact) if may_read(st, &contact).await => Ok(Some(InteractionNode(interaction))),
        _ => Ok(None),
    }
}

/// The loader key of a contact's page.
pub(crate) type PageKey = (ContactId, InteractionPage);
