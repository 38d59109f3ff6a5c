//! [`RingoverProvider`]: our contacts as Ringover contacts, keyed by their phone numbers.

use std::collections::BTreeSet;

use rapport_integrations::{
    ContactSync, ErasedContact, SyncContact, SyncError, SyncOutcome, TransportFailure,
    classify_transport,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::client::Client;
use crate::config::{ConfigError, RingoverConfig};
use crate::wire::{
    AddNumbers, ContactFields, ContactList, CreateContacts, NewContact, NumberOut, RemoteContact,
    Search, created_id, digits, is_id, number_type,
};

/// The provider's name: the key of its jobs, sync state, metrics and config section.
pub const NAME: &str = "ringover";

/// How many search hits are read per number. A number matches few contacts; the margin covers
/// Ringover's search also matching longer numbers that contain ours.
const SEARCH_LIMIT: u32 = 50;

/// Syncs contacts to Ringover so calls show who is calling.
///
/// A Ringover contact has no field for our id, so the mapping lives in the api's sync state
/// (`external_id`), and a contact without one is first looked for by number: a crash between
/// the create and the api storing the id finds the created contact on the retry instead of
/// creating it again. See the crate documentation for the exact rules.
#[derive(Debug, Clone)]
pub struct RingoverProvider {
    client: Client,
    share_contacts: bool,
}

impl RingoverProvider {
    /// A provider for `config`, refused when the config cannot work (blank key, bad URL, rate).
    pub fn new(config: &RingoverConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            client: Client::new(config)?,
            share_contacts: config.share_contacts,
        })
    }

    fn fields(&self, contact: &SyncContact) -> ContactFields {
        ContactFields {
            firstname: contact.first_name.as_str().to_owned(),
            lastname: contact
                .last_name
                .as_ref()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            company: contact
                .company
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned(),
            is_shared: self.share_contacts,
        }
    }

    /// `GET /contacts/{id}`; `None` when Ringover no longer has it.
    async fn get(&self, id: &str) -> Result<Option<RemoteContact>, SyncError> {
        let reply = self
            .client
            .send(Method::GET, &["contacts", id], None::<&()>)
            .await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        reply.ok()?.json().map(Some)
    }

    /// The contact that is ours under another id: one holding any of our numbers and our name.
    ///
    /// The name guards shared lines: two of our contacts with one switchboard number must not
    /// become one Ringover contact. When several match, the oldest (lowest id) wins, so every
    /// retry picks the same one.
    async fn find(
        &self,
        fields: &ContactFields,
        numbers: &[NumberOut],
    ) -> Result<Option<RemoteContact>, SyncError> {
        for wanted in numbers {
            let query = wanted.number.to_string();
            let search = Search {
                search: &query,
                limit_count: SEARCH_LIMIT,
                limit_offset: 0,
            };
            let reply = self
                .client
                .send(Method::POST, &["contacts"], Some(&search))
                .await?
                .ok()?;
            let list: ContactList = if reply.is_empty() {
                ContactList::default()
            } else {
                reply.json()?
            };
            let found = list
                .contact_list
                .into_iter()
                .filter(|c| c.numbers.contains(&wanted.number) && same_name(c, fields))
                .min_by_key(|c| (c.contact_id.len(), c.contact_id.clone()));
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// `POST /contacts` with one contact; its new id.
    async fn create(
        &self,
        fields: &ContactFields,
        numbers: &[NumberOut],
    ) -> Result<String, SyncError> {
        let body = CreateContacts {
            contacts: [NewContact { fields, numbers }],
        };
        let reply = self
            .client
            .send(Method::POST, &["contacts"], Some(&body))
            .await?
            .ok()?;
        let answer: Value = reply.json()?;
        // Without the id the api cannot map the contact; the retry finds it by number.
        created_id(&answer).ok_or_else(|| {
            classify_transport(
                TransportFailure::MalformedResponse,
                "the created contact's id was missing from the answer",
            )
        })
    }

    /// Brings `remote` to our state: fields if they differ, then numbers, ours exactly.
    async fn reconcile(
        &self,
        remote: &RemoteContact,
        fields: &ContactFields,
        numbers: &[NumberOut],
    ) -> Result<(), SyncError> {
        let id = remote.contact_id.as_str();
        if !remote.has(fields) {
            self.client
                .send(Method::PUT, &["contacts", id], Some(fields))
                .await?
                .ok()?;
        }
        let missing: Vec<NumberOut> = numbers
            .iter()
            .filter(|n| !remote.numbers.contains(&n.number))
            .copied()
            .collect();
        if !missing.is_empty() {
            let body = AddNumbers { numbers: &missing };
            self.client
                .send(Method::POST, &["contacts", id, "numbers"], Some(&body))
                .await?
                .ok()?;
        }
        let ours: BTreeSet<u64> = numbers.iter().map(|n| n.number).collect();
        let stale: BTreeSet<u64> = remote
            .numbers
            .iter()
            .filter(|n| !ours.contains(n))
            .copied()
            .collect();
        for number in stale {
            let number = number.to_string();
            let reply = self
                .client
                .send(
                    Method::DELETE,
                    &["contacts", id, "numbers", &number],
                    None::<&()>,
                )
                .await?;
            if reply.status != StatusCode::NOT_FOUND {
                reply.ok()?;
            }
        }
        Ok(())
    }
}

/// Our numbers as Ringover stores them, each once, in our order.
fn numbers_of(contact: &SyncContact) -> Vec<NumberOut> {
    let mut seen = BTreeSet::new();
    contact
        .phones
        .iter()
        .filter_map(|phone| {
            let number = digits(phone.number.digits())?;
            seen.insert(number).then_some(NumberOut {
                number,
                kind: number_type(phone.kind),
            })
        })
        .collect()
}

fn same_name(remote: &RemoteContact, fields: &ContactFields) -> bool {
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    same(&remote.firstname, &fields.firstname) && same(&remote.lastname, &fields.lastname)
}

/// A stored id that is not Ringover's shape is our bug, not Ringover's: never put it in a URL.
fn checked_id(id: &str) -> Result<&str, SyncError> {
    if is_id(id) {
        Ok(id)
    } else {
        Err(SyncError::permanent(
            "the stored Ringover contact id is not numeric",
        ))
    }
}

#[rapport_integrations::async_trait]
impl ContactSync for RingoverProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn upsert(&self, contact: &SyncContact) -> Result<SyncOutcome, SyncError> {
        let fields = self.fields(contact);
        let numbers = numbers_of(contact);
        if let Some(id) = contact.external_id.as_deref() {
            if let Some(remote) = self.get(checked_id(id)?).await? {
                self.reconcile(&remote, &fields, &numbers).await?;
                return Ok(SyncOutcome::with_external_id(remote.contact_id));
            }
            // Deleted on Ringover's side: treat as never synced.
            tracing::info!(contact = %contact.contact_id, "ringover contact gone; syncing it anew");
        }
        if numbers.is_empty() {
            // Nothing a phone system can use, and nothing to search by before creating.
            return Ok(SyncOutcome::default());
        }
        if let Some(remote) = self.find(&fields, &numbers).await? {
            self.reconcile(&remote, &fields, &numbers).await?;
            return Ok(SyncOutcome::with_external_id(remote.contact_id));
        }
        let id = self.create(&fields, &numbers).await?;
        Ok(SyncOutcome::with_external_id(id))
    }

    async fn erase(&self, contact: &ErasedContact) -> Result<(), SyncError> {
        let Some(id) = contact.external_id.as_deref() else {
            return Ok(());
        };
        let reply = self
            .client
            .send(Method::DELETE, &["contacts", checked_id(id)?], None::<&()>)
            .await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(());
        }
        reply.ok().map(drop)
    }
}
