//! The provider: contacts as members of one Mailchimp audience.

use std::sync::Arc;

use rapport_domain::values::EmailAddress;
use rapport_integrations::{
    ContactSync, ErasedContact, ProviderLimits, SyncContact, SyncError, SyncOutcome,
};
use reqwest::Method;
use serde::Deserialize;

use crate::classify::{Problem, malformed};
use crate::client::Client;
use crate::member::{MemberBody, TagsBody, status_if_new};
use crate::{ConfigError, MailchimpConfig, SubscriberHash};

/// Keeps contacts as members of one Mailchimp audience ([`ContactSync`]).
///
/// - **upsert** `PUT /lists/{list}/members/{hash}` with `email_address`, `status_if_new` from
///   consent (see [`status_if_new`](crate::status_if_new); `status` only to carry an opt-out
///   or a renewed opt-in made here, see [`status_to_send`](crate::status_to_send)) and the merge fields,
///   then `POST …/members/{hash}/tags` with the relationship's tag active and the other one
///   inactive. Contacts whose consent creates nobody (`NONE`, `CLEANED`) go through
///   `PATCH`, which updates an existing member and creates none. An email change is a
///   `PATCH` at the old address's hash with the new `email_address`, which renames the member;
///   when there is no member there (the old address never reached Mailchimp), the member is
///   written under the new address. A
///   contact whose address was removed has its member archived. Reports the subscriber hash as
///   the external id.
/// - **erase** permanently deletes the member under every key still known (the external id and
///   the last known email key); a member already gone counts as erased.
/// - [`archive`](Self::archive) removes a member without erasing it, for removals that are not
///   erasure.
/// - [`batch_subscribe`](Self::batch_subscribe) backfills many contacts, 500 per call.
///
/// Every call holds one of `max_connections` slots (Mailchimp allows 10 connections per key),
/// whichever task makes it: the worker's jobs and a backfill together never exceed the cap.
#[derive(Debug, Clone)]
pub struct MailchimpProvider {
    pub(crate) client: Client,
    pub(crate) config: Arc<MailchimpConfig>,
}

/// What [`MailchimpProvider::archive`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveOutcome {
    /// The member was archived.
    Archived,
    /// There is no such member (never synced, or already deleted).
    NotFound,
    /// Mailchimp refuses to archive the member because it is pending, cleaned or already
    /// archived (405): none of those receives campaigns.
    NotArchivable,
}

/// What a member write found.
enum Written {
    /// The member was created or updated.
    Member,
    /// `PATCH` found no member to update (and created none).
    Missing,
    /// The new address of an email change already belongs to another member.
    AddressTaken,
}

/// The part of a member answer we read; parsing it proves the answer is a member document.
#[derive(Debug, Deserialize)]
struct MemberReply {
    #[serde(default)]
    status: Option<String>,
}

impl MailchimpProvider {
    /// The provider's name: the key of its jobs, sync state, metrics and config section.
    pub const NAME: &'static str = "mailchimp";

    /// A provider for the audience of `config`, after checking the settings.
    pub fn new(config: MailchimpConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            client: Client::new(&config)?,
            config: Arc::new(config),
        })
    }

    /// The limits to register the provider with: at most `max_connections` calls in flight.
    pub fn limits(&self) -> ProviderLimits {
        ProviderLimits::in_flight(self.config.max_connections)
    }

    /// The settings in use.
    pub fn config(&self) -> &MailchimpConfig {
        &self.config
    }

    /// Archives a member (`DELETE /lists/{list}/members/{hash}`): it stops receiving campaigns
    /// and keeps its history; adding the address again restores it. For removals that are not
    /// erasure; erasure is [`ContactSync::erase`].
    pub async fn archive(&self, member: &SubscriberHash) -> Result<ArchiveOutcome, SyncError> {
        let reply = self
            .client
            .call::<()>(Method::DELETE, &member_path(member), None, None)
            .await?;
        match reply.status {
            404 => Ok(ArchiveOutcome::NotFound),
            405 => Ok(ArchiveOutcome::NotArchivable),
            _ => reply.success().map(|_| ArchiveOutcome::Archived),
        }
    }

    /// Permanently deletes a member: its personal data is gone from Mailchimp and the address
    /// can never be imported again. Already gone (404) is success.
    async fn delete_permanently(&self, member: &SubscriberHash) -> Result<(), SyncError> {
        let path = format!("{}/actions/delete-permanent", member_path(member));
        let reply = self
            .client
            .call::<()>(Method::POST, &path, None, None)
            .await?;
        if reply.status == 404 {
            return Ok(());
        }
        reply.success().map(drop)
    }

    /// `PUT` (create or update) or `PATCH` (update only) of the member at `member`.
    async fn write_member(
        &self,
        member: &SubscriberHash,
        body: &MemberBody<'_>,
        create: bool,
    ) -> Result<Written, SyncError> {
        let method = if create { Method::PUT } else { Method::PATCH };
        let reply = self
            .client
            .call(method, &member_path(member), Some(body), None)
            .await?;
        if reply.status == 404 && !create {
            return Ok(Written::Missing);
        }
        if reply.status == 400
            && Problem::parse(&reply.body)
                .and_then(|p| p.title)
                .is_some_and(|t| t.trim() == "Member Exists")
        {
            return Ok(Written::AddressTaken);
        }
        let body = reply.success()?;
        let member: MemberReply = serde_json::from_slice(&body)
            .map_err(|_| malformed("the member answer is not JSON"))?;
        tracing::trace!(status = ?member.status, "mailchimp member written");
        Ok(Written::Member)
    }

    async fn set_relationship_tags(
        &self,
        member: &SubscriberHash,
        contact: &SyncContact,
    ) -> Result<(), SyncError> {
        let body = TagsBody::for_relationship(contact.relationship, &self.config);
        let path = format!("{}/tags", member_path(member));
        self.client
            .call(Method::POST, &path, Some(&body), None)
            .await?
            .success()
            .map(drop)
    }

    /// Writes the member of a contact with an address, following an email change.
    async fn upsert_with_address(
        &self,
        contact: &SyncContact,
        email: &EmailAddress,
    ) -> Result<SyncOutcome, SyncError> {
        let current = SubscriberHash::of(email);
        let previous = contact
            .previous_email
            .as_ref()
            .map(SubscriberHash::of)
            .filter(|old| *old != current);
        let status = status_if_new(contact.consent);
        let create = status.is_some();
        let body = MemberBody::new(email.as_str(), status, contact, &self.config);
        let mut written = match &previous {
            // A rename updates the old member and never creates one there: the old address may
            // never have reached Mailchimp (its delivery was not confirmed to us), and then the
            // member is created under the new address below.
            Some(old) => {
                let rename = MemberBody::new(email.as_str(), None, contact, &self.config);
                self.write_member(old, &rename, false).await?
            }
            None => self.write_member(&current, &body, create).await?,
        };
        if previous.is_some() && !matches!(written, Written::Member) {
            // The old member does not exist, or the new address has its own member already:
            // write the new address's member. The old member, if any, is left as it is.
            if matches!(written, Written::AddressTaken) {
                tracing::warn!(
                    contact_id = %contact.contact_id,
                    "mailchimp: the new address already has a member; updated it and left the old one"
                );
            }
            written = self.write_member(&current, &body, create).await?;
        }
        match written {
            Written::Member => {
                self.set_relationship_tags(&current, contact).await?;
                Ok(SyncOutcome::with_external_id(current.into_string()))
            }
            Written::Missing => Ok(SyncOutcome {
                external_id: contact.external_id.clone(),
            }),
            Written::AddressTaken => Err(SyncError::permanent("HTTP 400: Member Exists")),
        }
    }

    /// A contact without an address: archive the member of the address it had, if any, and
    /// keep its hash so that a later erasure still finds the archived member.
    async fn archive_without_address(
        &self,
        contact: &SyncContact,
    ) -> Result<SyncOutcome, SyncError> {
        let member = contact
            .previous_email
            .as_ref()
            .map(SubscriberHash::of)
            .or_else(|| {
                contact
                    .external_id
                    .as_deref()
                    .and_then(|id| SubscriberHash::parse(id).ok())
            });
        let Some(member) = member else {
            return Ok(SyncOutcome::default());
        };
        self.archive(&member).await?;
        Ok(SyncOutcome::with_external_id(member.into_string()))
    }
}

#[rapport_integrations::async_trait]
impl ContactSync for MailchimpProvider {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    async fn upsert(&self, contact: &SyncContact) -> Result<SyncOutcome, SyncError> {
        match &contact.email {
            Some(email) => self.upsert_with_address(contact, email).await,
            None => self.archive_without_address(contact).await,
        }
    }

    async fn erase(&self, contact: &ErasedContact) -> Result<(), SyncError> {
        let mut members: Vec<SubscriberHash> = Vec::with_capacity(2);
        let mut unusable = false;
        // The external id is the hash of the address last synced; the last known email key is
        // the hash of the address at erasure. They differ when an email change was not synced
        // yet: delete both, each 404 being success.
        for raw in [&contact.external_id, &contact.last_known_email_key]
            .into_iter()
            .flatten()
        {
            match SubscriberHash::parse(raw) {
                Ok(member) if !members.contains(&member) => members.push(member),
                Ok(_) => {}
                Err(_) => unusable = true,
            }
        }
        if members.is_empty() && unusable {
            return Err(SyncError::permanent(
                "no Mailchimp subscriber hash to erase: the stored key is not one",
            ));
        }
        for member in &members {
            self.delete_permanently(member).await?;
        }
        Ok(())
    }

    fn email_key(&self, email: &EmailAddress) -> Option<String> {
        Some(SubscriberHash::of(email).into_string())
    }

    /// One full batch-subscribe call.
    fn bulk_page_size(&self) -> usize {
        crate::batch::MAX_BATCH_MEMBERS
    }

    /// [`batch_subscribe`](Self::batch_subscribe): contacts it skipped, Mailchimp refused or
    /// whose call failed go to the per-contact upsert.
    async fn upsert_many(
        &self,
        contacts: &[SyncContact],
    ) -> Option<Result<rapport_integrations::BulkReport, SyncError>> {
        Some(self.batch_subscribe(contacts).await.map(Into::into))
    }
}

fn member_path(member: &SubscriberHash) -> String {
    format!("/members/{member}")
}
