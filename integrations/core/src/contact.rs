//! What the worker hands a provider: a contact's current state, or what is left of it after
//! erasure.

use rapport_domain::account::RelationshipType;
use rapport_domain::contact::EmailConsent;
use rapport_domain::ids::ContactId;
use rapport_domain::values::{EmailAddress, Phone, Tags, Text};

/// A live contact as the worker loads it, for one provider, at the moment of the call.
///
/// It is built from the database when the job runs, never from a snapshot taken when the job was
/// enqueued: two quick edits coalesce into one job and the provider receives the state after the
/// second. The per-provider fields (`previous_email`, `external_id`, `previous_consent`) come from the api's
/// sync-state table, which keeps one row per (provider, contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncContact {
    /// Our identity of the contact; providers that keep their own ids map it to theirs.
    pub contact_id: ContactId,
    /// Email address, if the contact has one. Email-keyed providers (Mailchimp) have nothing to
    /// send without it.
    pub email: Option<EmailAddress>,
    /// Given name.
    pub first_name: Text,
    /// Family name.
    pub last_name: Option<Text>,
    /// Name of the contact's account (a telephony provider's "company").
    pub company: Option<String>,
    /// Phone numbers in E.164 form, typed.
    pub phones: Vec<Phone>,
    /// Email-marketing consent. Providers must never turn a consent they cannot prove into an
    /// opt-in (Mailchimp: map it to `status_if_new`, never force `subscribed`).
    pub consent: EmailConsent,
    /// The account's relationship type, inherited by its contacts for segmentation.
    pub relationship: RelationshipType,
    /// Tags.
    pub tags: Tags,
    /// The address this provider last received, when it differs from `email`: an email-keyed
    /// provider must address the change to the old member (Mailchimp: the old subscriber hash).
    pub previous_email: Option<EmailAddress>,
    /// The provider's id for this contact, as returned by an earlier [`SyncOutcome`].
    pub external_id: Option<String>,
    /// The consent this provider last received, when it differs from `consent`: the consent
    /// changed here since the last delivery. `None` when it did not, when nothing was delivered
    /// yet, or when the provider itself reported the change (it is not sent back). Lets a
    /// provider carry a consent change made here (an opt-out, a renewed opt-in) to an existing
    /// subscription once, and only then.
    pub previous_consent: Option<EmailConsent>,
}

/// What the worker still holds about a contact whose personal data was erased: enough for a
/// provider to find and erase its copy, and nothing that names the person.
///
/// The api keeps these keys in its sync-state table, per provider: `external_id` from the last
/// successful [`SyncOutcome`], and `last_known_email_key` computed at erasure time through
/// [`ContactSync::email_key`](crate::ContactSync::email_key). It should drop them once the
/// provider confirmed the erasure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasedContact {
    /// Our identity of the contact (the tombstone survives erasure).
    pub contact_id: ContactId,
    /// A provider-specific key derived from the last known address, not the address itself
    /// (Mailchimp: the subscriber hash). Covers a crash after a successful upsert that was not yet
    /// recorded, when no `external_id` was stored.
    pub last_known_email_key: Option<String>,
    /// The provider's id for this contact, if an upsert ever reported one.
    pub external_id: Option<String>,
}

/// The current state of a contact for one provider, as the worker loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactState {
    /// The contact exists with its personal data: upsert it.
    Live(SyncContact),
    /// The personal data was erased: erase it at the provider too, never upsert.
    Erased(ErasedContact),
}

impl ContactState {
    /// The contact's identity.
    pub fn contact_id(&self) -> ContactId {
        match self {
            ContactState::Live(c) => c.contact_id,
            ContactState::Erased(c) => c.contact_id,
        }
    }
}

/// What a successful upsert reports back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncOutcome {
    /// The provider's id for the contact (Ringover's `contact_id`, Mailchimp's subscriber hash),
    /// kept by the api and handed back in [`SyncContact::external_id`] and
    /// [`ErasedContact::external_id`]. `None` when the provider has nothing to report.
    pub external_id: Option<String>,
}

impl SyncOutcome {
    /// An outcome with the provider's id for the contact.
    pub fn with_external_id(id: impl Into<String>) -> Self {
        Self {
            external_id: Some(id.into()),
        }
    }
}
