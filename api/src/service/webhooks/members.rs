//! Member events from an email-marketing provider: consent, names and address changes.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::contact::{Contact, ContactDetails, EmailConsent};
use rapport_domain::events::DomainEvent;
use rapport_domain::values::{EmailAddress, Text};

use super::{WebhookOutcome, system_caller};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::record::{Change, record};
use crate::service::{Ctx, snapshot};
use crate::store::Store;

/// Receipts older than this are pruned: far past Mailchimp's 75 minutes of retries.
const RECEIPT_RETENTION_DAYS: i64 = 7;

/// A contact changed by someone else between our read and our save is read again; past this
/// many tries the provider gets an error and retries later.
const CONFLICT_ATTEMPTS: usize = 3;

/// A provider's profile change or opt-in fired this long (or more) before the contact's last
/// change it is compared with is older than that change and is not applied (`fired_at` has whole
/// seconds only).
const PROFILE_CLOCK_SLACK_SECS: i64 = 1;

/// What an email-marketing provider says changed about the member with an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// The person subscribed at the provider (a sign-up form, or a confirmed double opt-in):
    /// consent becomes `SUBSCRIBED` — unless the contact changed after the event was fired
    /// (here, or by a later provider event such as an unsubscribe delivered first): an opt-in
    /// never overrides anything newer, while opt-outs always apply.
    Subscribed,
    /// The person unsubscribed (or an admin deleted the member): consent becomes
    /// `UNSUBSCRIBED`, so that no later sync can subscribe them again.
    Unsubscribed,
    /// The provider cleaned the address (hard bounce, spam report): consent becomes `CLEANED`.
    Cleaned,
    /// The member's names, as the provider holds them: `None` leaves a name as it is;
    /// `Some(None)` clears the last name.
    Profile {
        /// The first name (a blank one is never applied: a contact always has one).
        first_name: Option<Text>,
        /// The last name.
        last_name: Option<Option<Text>>,
    },
    /// The member's address changed to `new_email`.
    EmailChanged {
        /// The address now.
        new_email: EmailAddress,
        /// The provider's key of the new address (Mailchimp: its subscriber hash).
        new_email_key: Option<String>,
    },
}

impl MemberChange {
    /// A short name for logs.
    pub const fn kind(&self) -> &'static str {
        match self {
            MemberChange::Subscribed => "subscribe",
            MemberChange::Unsubscribed => "unsubscribe",
            MemberChange::Cleaned => "cleaned",
            MemberChange::Profile { .. } => "profile",
            MemberChange::EmailChanged { .. } => "email_change",
        }
    }

    /// The audit action.
    const fn action(&self) -> &'static str {
        match self {
            MemberChange::Subscribed => "subscribedAtProvider",
            MemberChange::Unsubscribed => "unsubscribedAtProvider",
            MemberChange::Cleaned => "cleanedAtProvider",
            MemberChange::Profile { .. } => "profileChangedAtProvider",
            MemberChange::EmailChanged { .. } => "emailChangedAtProvider",
        }
    }
}

/// One member event from an email-marketing provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberEvent {
    /// The provider (`mailchimp`): the actor is `webhook:{provider}`, and it gets no sync job
    /// for the change it reported.
    pub provider: &'static str,
    /// The event's deduplication key, the same on every delivery of the event.
    pub key: String,
    /// The member's address (the old one for an address change): the contact is found by it.
    pub email: EmailAddress,
    /// When the provider fired the event.
    pub fired_at: Option<DateTime<Utc>>,
    /// What changed.
    pub change: MemberChange,
}

/// Applies a member event to the live contact with its address. Unknown addresses, repeated
/// deliveries, and changes that would give a contact the address of another are acknowledged
/// without storing anything.
pub async fn apply_member_event(
    store: &Store,
    providers: &[String],
    request_id: &str,
    now: DateTime<Utc>,
    event: &MemberEvent,
) -> Result<WebhookOutcome, ApiError> {
    let caller = system_caller(event.provider);
    let others: Vec<String> = providers
        .iter()
        .filter(|p| p.as_str() != event.provider)
        .cloned()
        .collect();
    let ctx = Ctx {
        store,
        caller: &caller,
        request_id,
        now,
        providers: &others,
        registry: None,
    };
    let mut attempt = 1;
    loop {
        match try_apply_member_event(&ctx, event).await {
            Err(ApiError::Conflict(_)) if attempt < CONFLICT_ATTEMPTS => attempt += 1,
            outcome => return outcome,
        }
    }
}

async fn try_apply_member_event(
    ctx: &Ctx<'_>,
    event: &MemberEvent,
) -> Result<WebhookOutcome, ApiError> {
    let tx = ctx.store.begin().await?;
    let Some(contact) = tx.live_contact_by_email(&event.email).await? else {
        return Ok(WebhookOutcome::UnknownContact);
    };
    let id = contact.id();
    if let MemberChange::EmailChanged { new_email, .. } = &event.change
        && tx.email_in_use(new_email, Some(id)).await?
    {
        return Ok(WebhookOutcome::Refused(
            "the new address belongs to another contact",
        ));
    }
    tx.prune_webhook_receipts(
        event.provider,
        ctx.now - Duration::days(RECEIPT_RETENTION_DAYS),
    )
    .await?;
    if !tx
        .record_webhook_receipt(event.provider, &event.key, Some(id), ctx.now)
        .await?
    {
        return Ok(WebhookOutcome::Duplicate);
    }
    let last_known = match (&event.change, event.fired_at) {
        (MemberChange::Profile { .. }, Some(_)) => {
            tx.last_local_change(Kind::Contact.name(), id.get()).await?
        }
        (MemberChange::Subscribed, Some(_)) => {
            tx.last_change(Kind::Contact.name(), id.get()).await?
        }
        _ => None,
    };
    let Some(details) = changed_details(&contact, event, last_known)? else {
        // Keep the receipt: a later delivery of this event must not apply it either.
        tx.commit().await?;
        return Ok(WebhookOutcome::Unchanged);
    };
    let before = snapshot::contact(&contact);
    let version = contact.parts().version;
    let account = contact.parts().account;
    let mut contact = contact;
    contact.update(account, details, ctx.now)?;
    let saved = tx.save_contact(contact, version).await?;
    if let MemberChange::EmailChanged {
        new_email,
        new_email_key,
    } = &event.change
    {
        tx.follow_provider_email_change(
            event.provider,
            id,
            new_email.as_str(),
            new_email_key.as_deref(),
        )
        .await?;
    }
    let reported = match event.change {
        MemberChange::Subscribed => Some(EmailConsent::Subscribed),
        MemberChange::Unsubscribed => Some(EmailConsent::Unsubscribed),
        MemberChange::Cleaned => Some(EmailConsent::Cleaned),
        _ => None,
    };
    if let Some(consent) = reported {
        // The provider holds this consent already: a later sync must not send it back.
        tx.follow_provider_consent_change(event.provider, id, consent.as_str())
            .await?;
    }
    crate::service::enqueue_sync(&tx, ctx, &[id], false).await?;
    record(
        &tx,
        ctx,
        Change {
            action: event.change.action(),
            kind: Kind::Contact,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::contact(&saved)),
            events: vec![DomainEvent::ContactUpdated(id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(WebhookOutcome::Applied)
}

/// The contact's details after the event, or `None` when the event changes nothing.
/// `last_known` is the change the event is compared with: for a profile change, the contact's
/// last change made here (not by a webhook) — a profile change fired before it is older than
/// what we hold, and is on its way to the provider anyway; for an opt-in, its last change of any
/// kind.
fn changed_details(
    contact: &Contact,
    event: &MemberEvent,
    last_known: Option<DateTime<Utc>>,
) -> Result<Option<ContactDetails>, ApiError> {
    let current = contact.editable_details()?;
    let mut next = current.clone();
    let stale = match (event.fired_at, last_known) {
        (Some(fired), Some(local)) => fired + Duration::seconds(PROFILE_CLOCK_SLACK_SECS) <= local,
        _ => false,
    };
    match &event.change {
        MemberChange::Subscribed if stale => return Ok(None),
        MemberChange::Subscribed => next.email_consent = EmailConsent::Subscribed,
        MemberChange::Unsubscribed => next.email_consent = EmailConsent::Unsubscribed,
        MemberChange::Cleaned => next.email_consent = EmailConsent::Cleaned,
        MemberChange::Profile {
            first_name,
            last_name,
        } => {
            if stale {
                return Ok(None);
            }
            if let Some(first) = first_name {
                next.first_name = first.clone();
            }
            if let Some(last) = last_name {
                next.last_name = last.clone();
            }
        }
        MemberChange::EmailChanged { new_email, .. } => next.email = Some(new_email.clone()),
    }
    Ok((next != *current).then_some(next))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rapport_domain::contact::ContactParts;
    use rapport_domain::ids::{AccountId, ContactId};
    use rapport_domain::values::{CustomFields, Tags};

    use super::*;

    fn at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, hour, minute, second)
            .single()
            .expect("a time")
    }

    fn ada(consent: EmailConsent) -> Contact {
        Contact::restore(ContactParts {
            id: ContactId::new(1),
            account: AccountId::new(1),
            details: Some(ContactDetails {
                first_name: Text::name("firstName", "Ada").expect("name"),
                last_name: None,
                email: Some(EmailAddress::parse("ada@example.com").expect("email")),
                phones: vec![],
                job_role: None,
                email_consent: consent,
                tags: Tags::default(),
                custom_fields: CustomFields::default(),
            }),
            erased_at: None,
            version: 1,
            created_at: at(9, 0, 0),
            updated_at: at(9, 0, 0),
            external: None,
        })
        .expect("a contact")
    }

    fn event(change: MemberChange, fired_at: Option<DateTime<Utc>>) -> MemberEvent {
        MemberEvent {
            provider: "mailchimp",
            key: "k".to_owned(),
            email: EmailAddress::parse("ada@example.com").expect("email"),
            fired_at,
            change,
        }
    }

    fn renamed() -> MemberChange {
        MemberChange::Profile {
            first_name: Some(Text::name("firstName", "Augusta").expect("name")),
            last_name: Some(Some(Text::name("lastName", "King").expect("name"))),
        }
    }

    #[test]
    fn an_event_that_says_what_the_contact_already_is_changes_nothing() {
        let unsubscribed = ada(EmailConsent::Unsubscribed);
        let same = event(MemberChange::Unsubscribed, None);
        assert_eq!(
            changed_details(&unsubscribed, &same, None).expect("ok"),
            None
        );
        let cleaned = event(MemberChange::Cleaned, None);
        let next = changed_details(&unsubscribed, &cleaned, None)
            .expect("ok")
            .expect("a change");
        assert_eq!(next.email_consent, EmailConsent::Cleaned);
    }

    #[test]
    fn a_profile_change_older_than_the_last_local_change_is_not_applied() {
        let contact = ada(EmailConsent::Subscribed);
        let local = Some(at(10, 0, 5));
        let older = event(renamed(), Some(at(10, 0, 4)));
        assert_eq!(changed_details(&contact, &older, local).expect("ok"), None);
        // `fired_at` has whole seconds: the same second may be later than the local change.
        let same_second = event(renamed(), Some(at(10, 0, 5)));
        let next = changed_details(&contact, &same_second, local)
            .expect("ok")
            .expect("a change");
        assert_eq!(next.first_name.as_str(), "Augusta");
        assert_eq!(next.last_name.as_ref().map(Text::as_str), Some("King"));
        let unknown_time = event(renamed(), None);
        assert!(
            changed_details(&contact, &unknown_time, local)
                .expect("ok")
                .is_some()
        );
    }
}
