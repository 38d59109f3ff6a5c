//! Interactions with a contact (calls recorded from Ringover's webhooks): `Contact.interactions`,
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
use super::pagination::page_request;
use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::{Interaction, InteractionPage, InteractionQuery, Page, Store, StoreError};

/// Something that happened with a contact: a call, …
#[derive(Debug, Clone)]
pub struct InteractionNode(pub Interaction);

/// Something that happened with a contact, recorded from a provider (a call, from Ringover).
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
    /// The provider it came from: `ringover`.
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

/// The page `first`/`after` ask for.
pub(crate) fn interaction_page(
    first: Option<i32>,
    after: Option<String>,
) -> Result<InteractionPage> {
    let page = page_request(first, after, None, None)?;
    Ok(InteractionPage {
        after: page.after,
        limit: page.limit,
    })
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
) -> Result<InteractionConnection> {
    let st = state(ctx);
    let page = interaction_page(first, after)?;
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
            has_next: false,
            has_previous: page.after.is_some(),
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
