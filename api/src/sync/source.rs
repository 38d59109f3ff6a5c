//! The [`ContactSource`] that reads a contact's current state when its job runs.

use rapport_domain::account::Account;
use rapport_domain::contact::{Contact, EmailConsent};
use rapport_domain::ids::ContactId;
use rapport_domain::values::EmailAddress;
use rapport_integrations::{
    ContactSource, ContactState, ErasedContact, SourceError, SyncContact, async_trait,
};

use crate::auth::ReadScope;
use crate::store::{Store, SyncStateRow};

/// Reads a contact's current state when its job runs.
#[derive(Debug, Clone)]
pub struct StoreSource {
    store: Store,
}

impl StoreSource {
    /// A source over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[async_trait]
impl ContactSource for StoreSource {
    async fn load(
        &self,
        provider: &str,
        contact_id: ContactId,
    ) -> Result<Option<ContactState>, SourceError> {
        let fail = |e: crate::store::StoreError| SourceError(e.to_string());
        let Some(contact) = self
            .store
            .contacts_by_ids(ReadScope::system(), &[contact_id])
            .await
            .map_err(fail)?
            .pop()
        else {
            return Ok(None);
        };
        let state = self
            .store
            .sync_state(provider, contact_id)
            .await
            .map_err(fail)?;
        let account = if contact.is_erased() {
            None
        } else {
            self.store
                .accounts_by_ids(ReadScope::system(), &[contact.parts().account])
                .await
                .map_err(fail)?
                .pop()
        };
        Ok(current_state(contact, account.as_ref(), state.as_ref()))
    }
}

/// A contact's state as `provider` should receive it: erased, or live with its account's name
/// and relationship and what the provider last received (`None` when its account is missing).
pub(super) fn current_state(
    contact: Contact,
    account: Option<&Account>,
    state: Option<&SyncStateRow>,
) -> Option<ContactState> {
    let contact_id = contact.id();
    let external_id = state.and_then(|s| s.external_id.clone());
    let Some(details) = contact.parts().details.clone() else {
        return Some(ContactState::Erased(ErasedContact {
            contact_id,
            last_known_email_key: state.and_then(|s| s.email_key.clone()),
            external_id,
        }));
    };
    let account = account?;
    let previous_email = state
        .and_then(|s| s.sent_email.as_deref())
        .filter(|sent| {
            details
                .email
                .as_ref()
                .is_none_or(|now| !now.as_str().eq_ignore_ascii_case(sent))
        })
        .and_then(|sent| EmailAddress::parse(sent).ok());
    let previous_consent = state
        .and_then(|s| s.sent_consent.as_deref())
        .and_then(|sent| EmailConsent::parse(sent).ok())
        .filter(|sent| *sent != details.email_consent);
    Some(ContactState::Live(SyncContact {
        contact_id,
        email: details.email,
        first_name: details.first_name,
        last_name: details.last_name,
        company: Some(account.parts().name.as_str().to_owned()),
        phones: details.phones,
        consent: details.email_consent,
        relationship: account.relationship(),
        tags: details.tags,
        previous_email,
        external_id,
        previous_consent,
    }))
}
