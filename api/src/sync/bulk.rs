//! A backfill page through a provider's bulk API: the page's current contact states, the bulk
//! call with its repeats, and what the store records of it.

use rapport_domain::ids::ContactId;
use rapport_integrations::{BulkReport, ContactState, RegisteredProvider, SyncContact, SyncError};

use super::SyncHandle;
use super::resync::{BULK_PAUSE, BULK_SENDS};
use super::source::current_state;
use crate::auth::ReadScope;
use crate::store::{BulkSynced, ResyncPage, SyncStateRow};

impl SyncHandle {
    /// Sends a page through the provider's bulk API, repeating (after a pause) the contacts whose
    /// call failed retryably, up to three sends; those still failing come back in
    /// [`BulkReport::retry`]; also says how many contacts were sent again. Fails only when the provider refuses our credentials or every send
    /// failed as a whole.
    pub(super) async fn send_bulk(
        &self,
        provider: &RegisteredProvider,
        contacts: &[SyncContact],
    ) -> Result<(BulkReport, usize), SyncError> {
        let mut total = BulkReport::default();
        let mut repeated = 0;
        let mut pending: Vec<SyncContact> = contacts.to_vec();
        for attempt in 1..=BULK_SENDS {
            let call = tokio::time::timeout(
                self.config.call_timeout,
                provider.provider().upsert_many(&pending),
            );
            let report = match call.await {
                Err(_) => Err(SyncError::retryable("the bulk call timed out")),
                Ok(None) => Ok(BulkReport {
                    per_contact: pending
                        .iter()
                        .map(|c| (c.contact_id, "no bulk API".to_owned()))
                        .collect(),
                    ..BulkReport::default()
                }),
                Ok(Some(result)) => result,
            };
            let report = match report {
                Ok(report) => report,
                Err(err @ SyncError::Unauthorized { .. }) => return Err(err),
                Err(err) if attempt == BULK_SENDS => return Err(err),
                Err(_) => BulkReport {
                    retry: pending.iter().map(|c| c.contact_id).collect(),
                    ..BulkReport::default()
                },
            };
            total.calls += report.calls;
            total.synced.extend(report.synced);
            total.per_contact.extend(report.per_contact);
            if report.retry.is_empty() || attempt == BULK_SENDS {
                total.retry = report.retry;
                break;
            }
            let again: std::collections::HashSet<ContactId> = report.retry.into_iter().collect();
            pending.retain(|c| again.contains(&c.contact_id));
            repeated += pending.len();
            tokio::time::sleep(BULK_PAUSE * attempt).await;
        }
        Ok((total, repeated))
    }

    /// The live contacts among `ids` as `provider` should receive them, in three reads.
    pub(super) async fn live_contacts(
        &self,
        provider: &str,
        ids: &[ContactId],
    ) -> Result<Vec<SyncContact>, crate::store::StoreError> {
        let contacts = self.store.contacts_by_ids(ReadScope::system(), ids).await?;
        let account_ids: Vec<_> = contacts
            .iter()
            .map(|c| c.parts().account)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let accounts: std::collections::HashMap<_, _> = self
            .store
            .accounts_by_ids(ReadScope::system(), &account_ids)
            .await?
            .into_iter()
            .map(|a| (a.id(), a))
            .collect();
        let states: std::collections::HashMap<i64, SyncStateRow> = self
            .store
            .sync_states_for(provider, ids)
            .await?
            .into_iter()
            .map(|s| (s.contact_id, s))
            .collect();
        let mut live: Vec<SyncContact> = contacts
            .into_iter()
            .filter_map(|c| {
                let account = accounts.get(&c.parts().account);
                let state = states.get(&c.id().get());
                match current_state(c, account, state) {
                    Some(ContactState::Live(contact)) => Some(contact),
                    _ => None,
                }
            })
            .collect();
        live.sort_by_key(|c| c.contact_id.get());
        Ok(live)
    }
}

/// What a bulk call did to one page, as the store records it.
pub(super) fn page_of(
    sync: &dyn rapport_integrations::ContactSync,
    last_contact: i64,
    contacts: &[SyncContact],
    report: BulkReport,
) -> ResyncPage {
    let sent: std::collections::HashMap<ContactId, &SyncContact> =
        contacts.iter().map(|c| (c.contact_id, c)).collect();
    let synced = report
        .synced
        .into_iter()
        .map(|(contact, external_id)| {
            let sent = sent.get(&contact);
            let email = sent.and_then(|c| c.email.as_ref());
            BulkSynced {
                contact,
                external_id,
                email_key: email.and_then(|e| sync.email_key(e)),
                sent_email: email.map(|e| e.as_str().to_owned()),
                sent_consent: sent.map(|c| c.consent.as_str().to_owned()),
            }
        })
        .collect();
    let mut queued: Vec<ContactId> = report.per_contact.into_iter().map(|(c, _)| c).collect();
    queued.extend(report.retry);
    ResyncPage {
        last_contact,
        synced,
        queued,
    }
}
