use super::scalars::DateTimeScalar;
use crate::graphql::order::ContactOrder;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use rapport_domain::contact::{Contact, ContactDetails, ContactParts};
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::{CustomFields, EmailAddress, Phone, PhoneNumber, Tags, Text};

use super::account::{AccountFilter, AccountNode, load_visible};
use super::connection::connection;
use super::context::{RequestState, state};
use super::enums::{CustomFieldType, EmailConsent, PhoneType, RelationshipType};
use super::error::{GqlResultExt, gql};
use super::filter_text::filter_text;
use super::ids::{account_id, contact_id, to_id};
use super::pagination::page_request;
use super::scalars::{EmailScalar, PhoneScalar};
use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::{self, ContactChanges};
use crate::store::{ContactQuery, PageRequest, Store, StoreError};

/// A person at an account. Erased contacts keep only their tombstone.
#[derive(Debug, Clone)]
pub struct ContactNode(pub Contact);

impl ContactNode {
    fn parts(&self) -> &ContactParts {
        self.0.parts()
    }
    fn details(&self) -> Option<&ContactDetails> {
        self.parts().details.as_ref()
    }
}

/// Where a contact's sync to one provider stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum SyncState {
    /// A change waits to be sent.
    Pending,
    /// A worker is sending it now.
    InFlight,
    /// The provider has the current state.
    Synced,
    /// Parked: retrying will not help until the contact changes or an admin retries.
    Failed,
}

/// A contact's sync to one provider.
#[derive(Debug, SimpleObject)]
pub struct SyncStatus {
    /// The provider's name (`mailchimp`, `ringover`).
    provider: String,
    /// Where the contact's sync to this provider stands.
    state: SyncState,
    /// The provider's id for the contact.
    external_id: Option<String>,
    /// When the provider last accepted the contact; null before the first success.
    last_synced_at: Option<DateTimeScalar>,
    /// Attempts of the pending or failed job.
    attempts: i32,
    /// Why the last attempt failed, when it did.
    last_error: Option<String>,
}

/// A typed phone number.
#[derive(Debug, SimpleObject)]
#[graphql(name = "Phone")]
pub struct PhoneOut {
    /// The number in E.164 form (`+33612345678`).
    number: PhoneScalar,
    /// Kind of line.
    #[graphql(name = "type")]
    kind: PhoneType,
}

/// A typed custom field.
#[derive(Debug, SimpleObject)]
#[graphql(name = "CustomField")]
pub struct CustomFieldOut {
    /// The field's name, unique on the contact.
    key: String,
    /// Type of the value.
    #[graphql(name = "type")]
    kind: CustomFieldType,
    /// The value as text, in the form its `type` says (a date as `2026-11-22`).
    value: String,
}

/// A person at an account. Erasure (right to be forgotten) keeps a tombstone: the contact stays,
/// its personal fields empty.
#[Object(name = "Contact")]
impl ContactNode {
    /// Global id, for `node(id:)` and every `contactId` input.
    pub async fn id(&self) -> ID {
        to_id(Kind::Contact, self.0.id().get())
    }
    /// The account the contact belongs to.
    async fn account(&self, ctx: &Context<'_>) -> Result<AccountNode> {
        Ok(AccountNode(
            load_visible(state(ctx), self.parts().account).await?,
        ))
    }
    /// Given name; empty once erased.
    async fn first_name(&self) -> &str {
        self.details().map_or("", |d| d.first_name.as_str())
    }
    /// Family name; null when unknown or erased.
    async fn last_name(&self) -> Option<&str> {
        self.details()
            .and_then(|d| d.last_name.as_ref())
            .map(Text::as_str)
    }
    /// Where the contact came from, when it was imported with an id of another system.
    async fn external_id(&self) -> Option<super::import::ExternalIdOut> {
        self.parts().external.as_ref().map(Into::into)
    }
    /// Email address, unique across live contacts; null when unknown or erased.
    async fn email(&self) -> Option<EmailScalar> {
        self.details()
            .and_then(|d| d.email.as_ref())
            .map(|e| EmailScalar(e.as_str().to_owned()))
    }
    /// Phone numbers with their kind of line; empty once erased.
    async fn phones(&self) -> Vec<PhoneOut> {
        self.details()
            .map(|d| {
                d.phones
                    .iter()
                    .map(|p| PhoneOut {
                        number: PhoneScalar(p.number.as_str().to_owned()),
                        kind: p.kind.into(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Role at the account (`Decision maker`, `Billing`); null when unknown or erased.
    async fn job_role(&self) -> Option<&str> {
        self.details()
            .and_then(|d| d.job_role.as_ref())
            .map(Text::as_str)
    }
    /// Email-marketing consent, kept in step with the marketing tool; NONE once erased.
    async fn email_consent(&self) -> EmailConsent {
        self.details()
            .map_or(rapport_domain::contact::EmailConsent::None, |d| {
                d.email_consent
            })
            .into()
    }
    /// Free-form labels for segmentation; empty once erased.
    async fn tags(&self) -> Vec<&str> {
        self.details()
            .map(|d| d.tags.as_slice().iter().map(String::as_str).collect())
            .unwrap_or_default()
    }
    /// Typed key/value fields; empty once erased.
    async fn custom_fields(&self) -> Vec<CustomFieldOut> {
        self.details()
            .map(|d| {
                d.custom_fields
                    .as_slice()
                    .iter()
                    .map(|f| CustomFieldOut {
                        key: f.key().to_owned(),
                        kind: f.kind().into(),
                        value: f.value().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    /// The account's relationship type, which the contact inherits for segmentation.
    async fn relationship_type(&self, ctx: &Context<'_>) -> Result<RelationshipType> {
        Ok(load_visible(state(ctx), self.parts().account)
            .await?
            .relationship()
            .into())
    }
    /// Where the contact stands at each enabled sync provider.
    async fn sync_status(&self, ctx: &Context<'_>) -> Result<Vec<SyncStatus>> {
        let st = state(ctx);
        if st.providers.is_empty() {
            return Ok(vec![]);
        }
        let (jobs, states) = st.store.sync_rows_for(&[self.0.id()]).await.gql()?;
        Ok(st
            .providers
            .iter()
            .map(|provider| {
                let job = jobs.iter().find(|j| &j.provider == provider);
                let synced = states.iter().find(|s| &s.provider == provider);
                SyncStatus {
                    provider: provider.clone(),
                    state: match job.map(|j| j.state.as_str()) {
                        Some("DEAD") => SyncState::Failed,
                        Some("LEASED") => SyncState::InFlight,
                        Some(_) => SyncState::Pending,
                        None if synced.is_some() => SyncState::Synced,
                        None => SyncState::Pending,
                    },
                    external_id: synced.and_then(|s| s.external_id.clone()),
                    last_synced_at: synced.and_then(|s| s.last_synced_at).map(Into::into),
                    attempts: job.map_or(0, |j| j.attempts),
                    last_error: job.and_then(|j| j.last_error.clone()),
                }
            })
            .collect())
    }
    /// Calls and other touch points with the contact, newest first (by when they happened).
    async fn interactions(
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
            desc = "One sort key, then the id in the same direction (default: newest first)."
        )]
        order_by: Option<Vec<super::interaction::InteractionOrder>>,
    ) -> Result<super::interaction::InteractionConnection> {
        super::interaction::of_contact(ctx, &self.0, first, after, last, before, order_by).await
    }
    /// True once the contact's personal data was erased (`eraseContact`).
    async fn erased(&self) -> bool {
        self.0.is_erased()
    }
    /// When the personal data was erased; null while it is kept.
    async fn erased_at(&self) -> Option<DateTimeScalar> {
        self.parts().erased_at.map(Into::into)
    }
    /// Optimistic-concurrency version: it grows with every change; mutations take it as
    /// `expectedVersion`.
    async fn version(&self) -> i32 {
        self.parts().version
    }
    /// When the contact was created.
    async fn created_at(&self) -> DateTimeScalar {
        self.parts().created_at.into()
    }
    /// When the contact last changed.
    async fn updated_at(&self) -> DateTimeScalar {
        self.parts().updated_at.into()
    }
}

async fn count_contacts(
    store: &Store,
    scope: ReadScope,
    query: &ContactQuery,
    counting: crate::store::Counting,
) -> Result<u64, StoreError> {
    store.contacts_total(scope, query, counting).await
}

connection!(
    ContactConnection,
    ContactEdge,
    ContactNode,
    Contact,
    ContactQuery,
    counted count_contacts,
    super::prime::contacts
);

/// Lists contacts, always within the caller's row-level scope.
pub(crate) async fn list(
    st: &RequestState,
    query: ContactQuery,
    page: PageRequest<crate::store::ContactSort>,
) -> Result<ContactConnection> {
    st.ctx()
        .authorize(Action::ReadContact, &Resource::Global, "contact")
        .gql()?;
    super::people::refuse_team_filter(st, query.account_filter.as_ref().and_then(|a| a.manager))?;
    let page = st
        .store
        .contacts_page(st.scope(), &query, &page)
        .await
        .gql()?;
    Ok(ContactConnection { page, query })
}

/// Which contacts to list.
#[derive(Debug, Default, InputObject)]
pub struct ContactFilter {
    /// Name, email or phone contains this text.
    search: Option<String>,
    /// Only contacts with this email-marketing consent.
    email_consent: Option<EmailConsent>,
    /// Only contacts carrying this tag (exact match).
    tag: Option<String>,
    /// Only contacts whose account matches (relationship type, manager, partner, …).
    account: Option<AccountFilter>,
}

impl ContactFilter {
    pub(crate) fn into_query(self, today: chrono::NaiveDate) -> Result<ContactQuery> {
        let search = filter_text("filter.search", self.search)?;
        let tag = filter_text("filter.tag", self.tag)?;
        Ok(ContactQuery {
            account: None,
            search,
            consent: self.email_consent.map(Into::into),
            tag,
            account_filter: self
                .account
                .map(|a| a.into_query("filter.account.", today))
                .transpose()?,
        })
    }
}

/// Contact queries.
#[derive(Debug, Default)]
pub struct ContactQueries;

#[Object]
impl ContactQueries {
    /// One contact; NOT_FOUND when it does not exist or is outside the caller's scope.
    async fn contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the contact.")] id: ID,
    ) -> Result<Option<ContactNode>> {
        let Ok(id) = contact_id("id", &id) else {
            return Err(gql(ApiError::NotFound("contact")));
        };
        // The contact with its account (and the account's manager, when selected) in one
        // statement; what is selected under them, one statement each.
        super::prime::contact(ctx, ctx.look_ahead(), id).await?;
        Ok(Some(load_contact(state(ctx), id).await?))
    }

    /// Contacts, newest last, filtered by their own fields and their account's.
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
        #[graphql(desc = "Which contacts to list; all (within the caller's scope) when omitted.")]
        filter: Option<ContactFilter>,
        #[graphql(
            desc = "Sort keys, most significant first; the id breaks ties (default: by id)."
        )]
        order_by: Option<Vec<ContactOrder>>,
    ) -> Result<ContactConnection> {
        let query = filter
            .unwrap_or_default()
            .into_query(state(ctx).now.date_naive())?;
        list(
            state(ctx),
            query,
            page_request(first, after, last, before, ContactOrder::sorted(order_by)?)?,
        )
        .await
    }
}

/// Loads a contact the caller may see, or NOT_FOUND.
pub(crate) async fn load_contact(
    st: &RequestState,
    id: rapport_domain::ids::ContactId,
) -> Result<ContactNode> {
    let contact = st.contacts.load_one(id).await.gql()?;
    match contact {
        Some(c) => {
            load_visible(st, c.parts().account)
                .await
                .map_err(|_| gql(ApiError::NotFound("contact")))?;
            Ok(ContactNode(c))
        }
        None => Err(gql(ApiError::NotFound("contact"))),
    }
}

/// A phone number in input.
#[derive(Debug, InputObject)]
pub struct PhoneInput {
    /// The number in E.164 form (`+33612345678`); anything else is refused.
    number: String,
    /// Kind of line.
    #[graphql(name = "type")]
    kind: PhoneType,
}

/// A custom field in input.
#[derive(Debug, InputObject)]
pub struct CustomFieldInput {
    /// The field's name, unique on the contact.
    key: String,
    /// Type of the value; the value must parse as this type.
    #[graphql(name = "type")]
    kind: CustomFieldType,
    /// The value as text (`42`, `true`, `2026-11-22`).
    value: String,
}

fn phones(raw: Vec<PhoneInput>) -> Result<Vec<Phone>> {
    raw.into_iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(Phone {
                number: PhoneNumber::parse(&p.number)
                    .map_err(|e| e.within(&format!("phones[{i}]")))?,
                kind: p.kind.into(),
            })
        })
        .collect::<Result<_, rapport_domain::ValidationError>>()
        .gql()
}

fn custom_fields(raw: Vec<CustomFieldInput>) -> Result<CustomFields> {
    CustomFields::parse(raw.into_iter().map(|f| (f.key, f.kind.into(), f.value))).gql()
}

fn email(raw: &str) -> Result<EmailAddress> {
    EmailAddress::parse(raw).gql()
}

fn optional_text(field: &str, raw: Option<String>) -> Result<Option<Text>> {
    raw.map(|t| Text::name(field, &t)).transpose().gql()
}

/// Input of `createContact`. Without `accountId`, the contact joins the account owning its
/// email's domain.
#[derive(Debug, InputObject)]
pub struct CreateContactInput {
    /// Global id of the account; when omitted, the account owning the email's confirmed domain.
    account_id: Option<ID>,
    /// Given name (not blank).
    first_name: String,
    /// Family name.
    last_name: Option<String>,
    /// Email address; no other live contact may have it (case-insensitive).
    email: Option<EmailScalar>,
    /// Phone numbers with their kind of line.
    #[graphql(default)]
    phones: Vec<PhoneInput>,
    /// Role at the account (`Decision maker`, `Billing`).
    job_role: Option<String>,
    /// Email-marketing consent; NONE when omitted.
    #[graphql(default_with = "EmailConsent::None")]
    email_consent: EmailConsent,
    /// Free-form labels for segmentation.
    #[graphql(default)]
    tags: Vec<String>,
    /// Typed key/value fields.
    #[graphql(default)]
    custom_fields: Vec<CustomFieldInput>,
}

/// Result of `createContact`.
#[derive(Debug, SimpleObject)]
pub struct CreateContactPayload {
    /// The new contact.
    contact: ContactNode,
}

/// Input of `updateContact`: omitted fields keep their value; null clears an optional one.
#[derive(Debug, InputObject)]
pub struct UpdateContactInput {
    /// Global id of the contact to edit.
    contact_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
    /// Moves the contact to this account (global id).
    account_id: Option<ID>,
    /// New given name (not blank).
    first_name: Option<String>,
    /// New family name; null clears it.
    last_name: MaybeUndefined<String>,
    /// New email address; null clears it.
    email: MaybeUndefined<EmailScalar>,
    /// Replaces every phone number.
    phones: Option<Vec<PhoneInput>>,
    /// New role at the account; null clears it.
    job_role: MaybeUndefined<String>,
    /// New email-marketing consent.
    email_consent: Option<EmailConsent>,
    /// Replaces every tag.
    tags: Option<Vec<String>>,
    /// Replaces every custom field.
    custom_fields: Option<Vec<CustomFieldInput>>,
}

/// Result of `updateContact`.
#[derive(Debug, SimpleObject)]
pub struct UpdateContactPayload {
    /// The contact as changed.
    contact: ContactNode,
}

/// Input of `eraseContact`.
#[derive(Debug, InputObject)]
pub struct EraseContactInput {
    /// Global id of the contact whose personal data is erased.
    contact_id: ID,
    /// The `version` last read, checked when given; a stale one is refused with CONFLICT.
    expected_version: Option<i32>,
}

/// Result of `eraseContact`: the tombstone.
#[derive(Debug, SimpleObject)]
pub struct EraseContactPayload {
    /// The contact's tombstone.
    contact: ContactNode,
}

fn maybe<T, U>(
    value: MaybeUndefined<T>,
    f: impl FnOnce(T) -> Result<U>,
) -> Result<Option<Option<U>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(v)?)),
    })
}

/// Contact mutations.
#[derive(Debug, Default)]
pub struct ContactMutations;

#[Object]
impl ContactMutations {
    /// Adds a contact.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new contact.")] input: CreateContactInput,
    ) -> Result<CreateContactPayload> {
        let st = state(ctx);
        let account = input
            .account_id
            .map(|id| account_id("accountId", &id))
            .transpose()?;
        let details = ContactDetails {
            first_name: Text::name("firstName", &input.first_name).gql()?,
            last_name: optional_text("lastName", input.last_name)?,
            email: input.email.map(|e| email(&e.0)).transpose()?,
            phones: phones(input.phones)?,
            job_role: optional_text("jobRole", input.job_role)?,
            email_consent: input.email_consent.into(),
            tags: Tags::parse(&input.tags).gql()?,
            custom_fields: custom_fields(input.custom_fields)?,
        };
        let contact = service::create_contact(&st.ctx(), account, details)
            .await
            .gql()?;
        Ok(CreateContactPayload {
            contact: ContactNode(contact),
        })
    }

    /// Edits a contact.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact and the fields to change.")] input: UpdateContactInput,
    ) -> Result<UpdateContactPayload> {
        let st = state(ctx);
        let id = contact_id("contactId", &input.contact_id)?;
        let changes = ContactChanges {
            account: input
                .account_id
                .map(|a| account_id("accountId", &a))
                .transpose()?,
            first_name: input
                .first_name
                .map(|f| Text::name("firstName", &f))
                .transpose()
                .gql()?,
            last_name: maybe(input.last_name, |l| Text::name("lastName", &l).gql())?,
            email: maybe(input.email, |e| email(&e.0))?,
            phones: input.phones.map(phones).transpose()?,
            job_role: maybe(input.job_role, |j| Text::name("jobRole", &j).gql())?,
            email_consent: input.email_consent.map(Into::into),
            tags: input.tags.map(|t| Tags::parse(&t)).transpose().gql()?,
            custom_fields: input.custom_fields.map(custom_fields).transpose()?,
        };
        let contact = service::update_contact(&st.ctx(), id, input.expected_version, changes)
            .await
            .gql()?;
        Ok(UpdateContactPayload {
            contact: ContactNode(contact),
        })
    }

    /// Erases a contact's personal data (admin only), keeping a tombstone.
    async fn erase_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact to erase.")] input: EraseContactInput,
    ) -> Result<EraseContactPayload> {
        let st = state(ctx);
        let id = contact_id("contactId", &input.contact_id)?;
        let contact = service::erase_contact(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(EraseContactPayload {
            contact: ContactNode(contact),
        })
    }
}
