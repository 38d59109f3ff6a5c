//! The events a Mailchimp webhook carries, typed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use rapport_domain::values::EmailAddress;

use super::WebhookError;
use super::form::Form;

/// One webhook delivery, as the api applies it.
///
/// Mailchimp delivers at least once, retrying for about 75 minutes: the api deduplicates (the
/// raw body is the same on every retry). Events carry the audience id they are about; the api
/// should ignore those of another audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// An empty body: Mailchimp's registration probe (it also probes with a GET). Answer 200.
    Probe,
    /// The person subscribed (`subscribe`): signed up through a Mailchimp form, or confirmed a
    /// double opt-in (a `pending` member).
    Subscribed {
        /// The member's address.
        email: EmailAddress,
        /// The audience.
        list_id: Option<String>,
        /// When Mailchimp fired the event.
        fired_at: Option<DateTime<Utc>>,
    },
    /// The person unsubscribed (`unsubscribe`): consent becomes `UNSUBSCRIBED`.
    Unsubscribed {
        /// The member's address.
        email: EmailAddress,
        /// Whether the member was unsubscribed or deleted by an admin.
        action: UnsubscribeAction,
        /// Mailchimp's reason code (`manual`, `abuse`, …), if sent.
        reason: Option<String>,
        /// The audience.
        list_id: Option<String>,
        /// When Mailchimp fired the event.
        fired_at: Option<DateTime<Utc>>,
    },
    /// Mailchimp cleaned the address (`cleaned`): consent becomes `CLEANED`.
    Cleaned {
        /// The member's address.
        email: EmailAddress,
        /// Why.
        reason: CleanedReason,
        /// The audience.
        list_id: Option<String>,
        /// When Mailchimp fired the event.
        fired_at: Option<DateTime<Utc>>,
    },
    /// The member's profile changed at Mailchimp (`profile`).
    Profile {
        /// The member's address.
        email: EmailAddress,
        /// Every merge field sent at the first level (`FNAME`, `LNAME`, `PHONE`, …), as sent.
        merges: BTreeMap<String, String>,
        /// The audience.
        list_id: Option<String>,
        /// When Mailchimp fired the event.
        fired_at: Option<DateTime<Utc>>,
    },
    /// The member's address changed at Mailchimp (`upemail`).
    EmailChanged {
        /// The address before.
        old_email: EmailAddress,
        /// The address now.
        new_email: EmailAddress,
        /// The audience.
        list_id: Option<String>,
        /// When Mailchimp fired the event.
        fired_at: Option<DateTime<Utc>>,
    },
    /// An event the api does not apply (`campaign`, or a type Mailchimp adds
    /// later): answer 200 so Mailchimp does not retry it.
    Ignored {
        /// The event type, as sent.
        kind: String,
    },
}

impl WebhookEvent {
    /// The audience the event is about, when it names one.
    pub fn list_id(&self) -> Option<&str> {
        match self {
            WebhookEvent::Subscribed { list_id, .. }
            | WebhookEvent::Unsubscribed { list_id, .. }
            | WebhookEvent::Cleaned { list_id, .. }
            | WebhookEvent::Profile { list_id, .. }
            | WebhookEvent::EmailChanged { list_id, .. } => list_id.as_deref(),
            WebhookEvent::Probe | WebhookEvent::Ignored { .. } => None,
        }
    }
}

/// What `data[action]` of an `unsubscribe` event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsubscribeAction {
    /// `unsub` (or absent): the member was unsubscribed.
    Unsubscribed,
    /// `delete`: an admin deleted the member.
    Deleted,
    /// Any other value, as sent.
    Other(String),
}

/// What `data[reason]` of a `cleaned` event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanedReason {
    /// `hard`: the address bounced for good.
    HardBounce,
    /// `abuse`: the person reported a campaign as spam.
    Abuse,
    /// Any other value (or none), as sent.
    Other(String),
}

/// Reads a webhook body (`application/x-www-form-urlencoded`, bracketed keys):
/// `type=unsubscribe&fired_at=2009-03-26+21%3A35%3A57&data[email]=…&data[merges][FNAME]=…`.
///
/// An empty body is [`WebhookEvent::Probe`]; a type the api does not apply is
/// [`WebhookEvent::Ignored`]. `fired_at` is read as UTC (`YYYY-MM-DD HH:MM:SS`); an unreadable one
/// is `None` rather than a refused event. Addresses are parsed into [`EmailAddress`]: a missing or
/// invalid one refuses the event, naming the field.
pub fn parse_webhook(form_body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let form = Form::parse(form_body)?;
    if form.is_empty() {
        return Ok(WebhookEvent::Probe);
    }
    let kind = form
        .get(&["type"])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(WebhookError::MissingType)?;
    let list_id = form
        .get(&["data", "list_id"])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let fired_at = form.get(&["fired_at"]).and_then(fired_at);
    let event = match kind {
        "subscribe" => WebhookEvent::Subscribed {
            email: email(&form, "subscribe", "data[email]", &["data", "email"])?,
            list_id,
            fired_at,
        },
        "unsubscribe" => WebhookEvent::Unsubscribed {
            email: email(&form, "unsubscribe", "data[email]", &["data", "email"])?,
            action: match text(&form, &["data", "action"]).as_deref() {
                None | Some("unsub") => UnsubscribeAction::Unsubscribed,
                Some("delete") => UnsubscribeAction::Deleted,
                Some(other) => UnsubscribeAction::Other(other.to_owned()),
            },
            reason: text(&form, &["data", "reason"]),
            list_id,
            fired_at,
        },
        "cleaned" => WebhookEvent::Cleaned {
            email: email(&form, "cleaned", "data[email]", &["data", "email"])?,
            reason: match text(&form, &["data", "reason"]).as_deref() {
                Some("hard") => CleanedReason::HardBounce,
                Some("abuse") => CleanedReason::Abuse,
                other => CleanedReason::Other(other.unwrap_or_default().to_owned()),
            },
            list_id,
            fired_at,
        },
        "profile" => WebhookEvent::Profile {
            email: email(&form, "profile", "data[email]", &["data", "email"])?,
            merges: form
                .children(&["data", "merges"])
                .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
                .fold(BTreeMap::new(), |mut merges, (k, v)| {
                    merges.entry(k).or_insert(v);
                    merges
                }),
            list_id,
            fired_at,
        },
        "upemail" => WebhookEvent::EmailChanged {
            old_email: email(&form, "upemail", "data[old_email]", &["data", "old_email"])?,
            new_email: email(&form, "upemail", "data[new_email]", &["data", "new_email"])?,
            list_id,
            fired_at,
        },
        other => WebhookEvent::Ignored {
            kind: other.to_owned(),
        },
    };
    Ok(event)
}

fn text(form: &Form, path: &[&str]) -> Option<String> {
    form.get(path)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn email(
    form: &Form,
    kind: &'static str,
    field: &'static str,
    path: &[&str],
) -> Result<EmailAddress, WebhookError> {
    let raw = text(form, path).ok_or(WebhookError::MissingField { kind, field })?;
    EmailAddress::parse(&raw).map_err(|_| WebhookError::InvalidEmail { kind, field })
}

fn fired_at(raw: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|at| at.and_utc())
}
