//! Bulk backfill through batch subscribe (`POST /lists/{list_id}`), 500 members per call.

use std::collections::{HashMap, HashSet};

use rapport_domain::ids::ContactId;
use rapport_integrations::{SyncContact, SyncError};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use crate::classify::malformed;
use crate::member::{merge_fields, status_if_new, status_to_send};
use crate::{MailchimpProvider, SubscriberHash};

/// Most members in one batch-subscribe call (Mailchimp's limit).
pub const MAX_BATCH_MEMBERS: usize = 500;

/// What a [`MailchimpProvider::batch_subscribe`] did, contact by contact.
///
/// Every contact given is in exactly one of `synced`, `rejected`, `skipped` and `unsent`.
/// Reasons carry Mailchimp's error codes, never addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Batch-subscribe calls made.
    pub calls: usize,
    /// Members Mailchimp reports as created.
    pub created: u64,
    /// Members Mailchimp reports as updated.
    pub updated: u64,
    /// Contacts sent and not refused, with the external id (subscriber hash) to record.
    pub synced: Vec<BatchSynced>,
    /// Contacts Mailchimp refused, one by one (partial success is normal).
    pub rejected: Vec<BatchRejection>,
    /// Contacts not sent: they need the per-contact upsert (or nothing at all).
    pub skipped: Vec<BatchSkip>,
    /// Contacts whose call failed as a whole (retryable or permanent); enqueue them for the
    /// per-contact upsert, which retries durably.
    pub unsent: Vec<BatchUnsent>,
}

/// A contact the batch synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSynced {
    /// The contact.
    pub contact_id: ContactId,
    /// Its subscriber hash, the provider's external id.
    pub external_id: String,
}

/// A contact Mailchimp refused in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRejection {
    /// The contact.
    pub contact_id: ContactId,
    /// Mailchimp's `error_code` (`ERROR_CONTACT_EXISTS`, `ERROR_GENERIC`, …), or `UNKNOWN`.
    pub error_code: String,
}

/// A contact the batch did not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSkip {
    /// The contact.
    pub contact_id: ContactId,
    /// Why.
    pub reason: SkipReason,
}

/// Why a contact was left out of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// No email address: nothing to subscribe.
    NoEmail,
    /// Consent `NONE` or `CLEANED` creates no member; the per-contact upsert updates an existing
    /// one without creating any, which batch subscribe cannot express.
    NotToBeCreated,
    /// An email change not yet synced: only the per-contact upsert renames the old member.
    EmailChanged,
    /// An earlier contact of this batch has the same address: one address, one member.
    DuplicateAddress,
    /// An opt-out or a renewed opt-in made here and not yet sent: only the per-contact upsert
    /// sends `status` (batch subscribe would leave an existing member as it is).
    ConsentChanged,
}

/// A contact whose batch call failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchUnsent {
    /// The contact.
    pub contact_id: ContactId,
    /// The call's failure.
    pub error: SyncError,
}

/// The batch-subscribe body. No `status` (only `status_if_new`, so `update_existing` changes
/// merge fields and never a subscription) and no `sync_tags` (it would remove every tag the
/// marketing team set).
#[derive(Debug, Serialize)]
struct BatchBody {
    members: Vec<BatchMember>,
    update_existing: bool,
}

#[derive(Debug, Serialize)]
struct BatchMember {
    email_address: String,
    status_if_new: &'static str,
    merge_fields: Map<String, Value>,
    /// Added, never removed: batch subscribe cannot deactivate the other relationship tag.
    tags: [String; 1],
}

#[derive(Debug, Deserialize)]
struct BatchReply {
    #[serde(default)]
    total_created: u64,
    #[serde(default)]
    total_updated: u64,
    #[serde(default)]
    errors: Vec<BatchReplyError>,
}

#[derive(Debug, Deserialize)]
struct BatchReplyError {
    #[serde(default)]
    email_address: String,
    #[serde(default)]
    error_code: Option<String>,
}

/// One call's worth of contacts.
struct Chunk {
    body: BatchBody,
    /// Each member's lowercased address, contact and hash, to read Mailchimp's errors back.
    contacts: Vec<(String, ContactId, SubscriberHash)>,
}

impl MailchimpProvider {
    /// Creates or updates many contacts at once (a backfill): `POST /lists/{list}` with
    /// `update_existing: true`, at most [`MAX_BATCH_MEMBERS`] members per call, calls
    /// running concurrently under the connection cap.
    ///
    /// Members get `status_if_new` from consent and never `status` (an opt-out made here is left
    /// to the per-contact upsert), their merge fields, and the
    /// relationship's tag added. Contacts the batch cannot express are [skipped](SkipReason)
    /// for the per-contact upsert. Safe to repeat.
    ///
    /// Fails only when a call is unauthorized (every call would be); other failed calls leave
    /// their contacts in [`BatchReport::unsent`].
    pub async fn batch_subscribe(
        &self,
        contacts: &[SyncContact],
    ) -> Result<BatchReport, SyncError> {
        let mut report = BatchReport::default();
        let chunks = self.chunks(contacts, &mut report.skipped);
        let mut calls = JoinSet::new();
        for (index, chunk) in chunks.into_iter().enumerate() {
            let provider = self.clone();
            calls.spawn(async move {
                let result = provider.send_chunk(&chunk.body).await;
                (index, chunk.contacts, result)
            });
        }
        report.calls = calls.len();
        let mut results = Vec::with_capacity(report.calls);
        while let Some(joined) = calls.join_next().await {
            let (index, contacts, result) = joined.map_err(|_| {
                SyncError::retryable("a Mailchimp batch call was cancelled before it finished")
            })?;
            if let Err(err @ SyncError::Unauthorized { .. }) = &result {
                calls.abort_all();
                return Err(err.clone());
            }
            results.push((index, contacts, result));
        }
        results.sort_by_key(|(index, _, _)| *index);
        for (_, contacts, result) in results {
            record(&mut report, contacts, result);
        }
        Ok(report)
    }

    /// Splits the contacts the batch can express into calls, recording the others as skipped.
    fn chunks(&self, contacts: &[SyncContact], skipped: &mut Vec<BatchSkip>) -> Vec<Chunk> {
        let mut seen = HashSet::new();
        let mut chunks: Vec<Chunk> = Vec::new();
        for contact in contacts {
            let skip = |reason| BatchSkip {
                contact_id: contact.contact_id,
                reason,
            };
            let Some(email) = &contact.email else {
                skipped.push(skip(SkipReason::NoEmail));
                continue;
            };
            let Some(status) = status_if_new(contact.consent) else {
                skipped.push(skip(SkipReason::NotToBeCreated));
                continue;
            };
            let key = email.normalized();
            if contact
                .previous_email
                .as_ref()
                .is_some_and(|old| old.normalized() != key)
            {
                skipped.push(skip(SkipReason::EmailChanged));
                continue;
            }
            if status_to_send(contact).is_some() {
                skipped.push(skip(SkipReason::ConsentChanged));
                continue;
            }
            if !seen.insert(key.clone()) {
                skipped.push(skip(SkipReason::DuplicateAddress));
                continue;
            }
            if chunks
                .last()
                .is_none_or(|c| c.contacts.len() >= MAX_BATCH_MEMBERS)
            {
                chunks.push(Chunk {
                    body: BatchBody {
                        members: Vec::with_capacity(MAX_BATCH_MEMBERS),
                        update_existing: true,
                    },
                    contacts: Vec::with_capacity(MAX_BATCH_MEMBERS),
                });
            }
            let chunk = chunks.last_mut().expect("a chunk was just ensured");
            chunk.body.members.push(BatchMember {
                email_address: email.as_str().to_owned(),
                status_if_new: status,
                merge_fields: merge_fields(contact, &self.config),
                tags: [self.config.tag_for(contact.relationship).trim().to_owned()],
            });
            chunk
                .contacts
                .push((key, contact.contact_id, SubscriberHash::of(email)));
        }
        chunks
    }

    async fn send_chunk(&self, body: &BatchBody) -> Result<BatchReply, SyncError> {
        let timeout = Some(self.config.batch_timeout());
        let body = self
            .client
            .call(Method::POST, "", Some(body), timeout)
            .await?
            .success()?;
        serde_json::from_slice(&body).map_err(|_| malformed("the batch answer is not JSON"))
    }
}

impl From<BatchReport> for rapport_integrations::BulkReport {
    fn from(report: BatchReport) -> Self {
        let synced = report
            .synced
            .into_iter()
            .map(|s| (s.contact_id, Some(s.external_id)))
            .collect();
        let rejected = report.rejected.into_iter().map(|r| {
            let reason = format!("refused in a batch: {}", r.error_code);
            (r.contact_id, reason)
        });
        let skipped = report.skipped.into_iter().map(|s| {
            let reason = match s.reason {
                SkipReason::NoEmail => "no email address",
                SkipReason::NotToBeCreated => "consent creates no member",
                SkipReason::EmailChanged => "email change not yet synced",
                SkipReason::DuplicateAddress => "another contact of the page has this address",
                SkipReason::ConsentChanged => "consent change not yet sent",
            };
            (s.contact_id, reason.to_owned())
        });
        let (retry, unsent): (Vec<_>, Vec<_>) = report
            .unsent
            .into_iter()
            .partition(|u| matches!(u.error, SyncError::Retryable { .. }));
        let unsent = unsent
            .into_iter()
            .map(|u| (u.contact_id, u.error.reason().to_owned()));
        Self {
            calls: report.calls,
            synced,
            per_contact: rejected.chain(skipped).chain(unsent).collect(),
            retry: retry.into_iter().map(|u| u.contact_id).collect(),
        }
    }
}

fn record(
    report: &mut BatchReport,
    contacts: Vec<(String, ContactId, SubscriberHash)>,
    result: Result<BatchReply, SyncError>,
) {
    let reply = match result {
        Ok(reply) => reply,
        Err(error) => {
            report
                .unsent
                .extend(contacts.into_iter().map(|(_, contact_id, _)| BatchUnsent {
                    contact_id,
                    error: error.clone(),
                }));
            return;
        }
    };
    report.created += reply.total_created;
    report.updated += reply.total_updated;
    let refused: HashMap<String, String> = reply
        .errors
        .into_iter()
        .map(|e| {
            let code = e
                .error_code
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| "UNKNOWN".to_owned());
            (e.email_address.trim().to_ascii_lowercase(), code)
        })
        .collect();
    for (key, contact_id, hash) in contacts {
        match refused.get(&key) {
            Some(code) => report.rejected.push(BatchRejection {
                contact_id,
                error_code: code.clone(),
            }),
            None => report.synced.push(BatchSynced {
                contact_id,
                external_id: hash.into_string(),
            }),
        }
    }
}
