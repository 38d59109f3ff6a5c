//! `GET|POST /webhooks/mailchimp/{secret}`: member events from the configured audience.
//!
//! Mailchimp signs nothing: the long random secret in the path is the credential, compared in
//! constant time. A wrong secret, or no `mailchimp.webhook_secret`, answers 404 as if the route
//! did not exist. Register the URL with the `api` source off, so that our own writes are not
//! echoed back.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use rapport_domain::values::{EmailAddress, Text};
use rapport_mailchimp::{MailchimpConfig, MailchimpProvider, SubscriberHash, WebhookEvent};

use super::reply::{
    acknowledged, answered, bad_request, internal, not_found, read_body, request_id,
};
use crate::http::AppState;
use crate::service::{self, MemberChange, MemberEvent};

const PROVIDER: &str = MailchimpProvider::NAME;

/// The Mailchimp section, when the webhook is on and `secret` is its secret.
fn configured<'a>(state: &'a AppState, secret: &str) -> Option<&'a MailchimpConfig> {
    let config = state.settings.mailchimp.as_ref()?;
    let expected = config.webhook_secret()?;
    same_secret(secret.as_bytes(), expected.as_bytes()).then_some(config)
}

/// GET: Mailchimp's check of the URL when the webhook is registered.
pub(super) async fn probe(
    req: HttpRequest,
    secret: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match configured(&state, &secret) {
        Some(_) => acknowledged("probe"),
        None => not_found(&request_id(&req)),
    }
}

/// POST: one event (or an empty probe).
pub(super) async fn receive(
    req: HttpRequest,
    secret: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id(&req);
    let Some(config) = configured(&state, &secret) else {
        return not_found(&rid);
    };
    let body = match read_body(&req, payload).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let event = match rapport_mailchimp::parse_webhook(&body) {
        Ok(event) => event,
        Err(err) => return bad_request(&err.to_string(), &rid),
    };
    if let Some(list) = event.list_id()
        && list != config.list_id
    {
        tracing::info!(
            provider = PROVIDER,
            "webhook event about another audience ignored"
        );
        return acknowledged("ignored");
    }
    let event = match member_event(event) {
        Ok(event) => event,
        Err(other) => {
            tracing::info!(provider = PROVIDER, kind = other, "webhook event ignored");
            return acknowledged(if other == "probe" { "probe" } else { "ignored" });
        }
    };
    let kind = event.change.kind();
    match service::apply_member_event(&state.store, &state.providers, &rid, Utc::now(), &event)
        .await
    {
        Ok(outcome) => answered(PROVIDER, kind, outcome),
        Err(err) => internal(&err, &rid),
    }
}

/// The event as the service applies it, or what it was when there is nothing to apply
/// (`probe`, or the type of an ignored event).
fn member_event(event: WebhookEvent) -> Result<MemberEvent, &'static str> {
    let (kind, email, fired_at, change, keyed) = match event {
        WebhookEvent::Probe => return Err("probe"),
        WebhookEvent::Ignored { .. } => return Err("other"),
        WebhookEvent::Subscribed {
            email, fired_at, ..
        } => ("subscribe", email, fired_at, MemberChange::Subscribed, None),
        WebhookEvent::Unsubscribed {
            email, fired_at, ..
        } => (
            "unsubscribe",
            email,
            fired_at,
            MemberChange::Unsubscribed,
            None,
        ),
        WebhookEvent::Cleaned {
            email, fired_at, ..
        } => ("cleaned", email, fired_at, MemberChange::Cleaned, None),
        WebhookEvent::Profile {
            email,
            merges,
            fired_at,
            ..
        } => {
            let change = MemberChange::Profile {
                first_name: merges
                    .get("FNAME")
                    .and_then(|f| Text::name("firstName", f).ok()),
                last_name: merges.get("LNAME").and_then(|l| {
                    if l.trim().is_empty() {
                        Some(None)
                    } else {
                        Text::name("lastName", l).ok().map(Some)
                    }
                }),
            };
            ("profile", email, fired_at, change, None)
        }
        WebhookEvent::EmailChanged {
            old_email,
            new_email,
            fired_at,
            ..
        } => {
            let hash = SubscriberHash::of(&new_email).into_string();
            let change = MemberChange::EmailChanged {
                new_email: new_email.clone(),
                new_email_key: Some(hash),
            };
            ("upemail", old_email, fired_at, change, Some(new_email))
        }
    };
    // The same on every delivery of the event; addresses enter only as subscriber hashes.
    let mut key = format!(
        "{kind}:{}:{}",
        fired_at.map_or_else(|| "-".to_owned(), |at| at.timestamp().to_string()),
        hash(&email)
    );
    if let Some(new_email) = &keyed {
        key.push(':');
        key.push_str(&hash(new_email));
    }
    Ok(MemberEvent {
        provider: PROVIDER,
        key,
        email,
        fired_at,
        change,
    })
}

/// Compares two secrets in time that depends on their lengths only, never on where they first
/// differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = given.len() ^ expected.len();
    for i in 0..given.len().max(expected.len()) {
        let a = given.get(i).copied().unwrap_or(0);
        let b = expected.get(i).copied().unwrap_or(0);
        diff |= usize::from(a ^ b);
    }
    std::hint::black_box(diff) == 0
}

fn hash(email: &EmailAddress) -> String {
    SubscriberHash::of(email).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body: &str) -> MemberEvent {
        let parsed = rapport_mailchimp::parse_webhook(body.as_bytes()).expect("parses");
        member_event(parsed).expect("a member event")
    }

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"s3cret-value", b"s3cret-value"));
        assert!(!same_secret(b"s3cret-valuf", b"s3cret-value"));
        assert!(!same_secret(b"s3cret", b"s3cret-value"));
        assert!(!same_secret(b"s3cret-value-and-more", b"s3cret-value"));
        assert!(!same_secret(b"", b"s3cret-value"));
    }

    #[test]
    fn the_key_is_the_same_for_the_same_event_and_holds_no_address() {
        let body = "type=unsubscribe&fired_at=2026-11-22+10%3A00%3A00&data[email]=Ada%40Example.com&data[list_id]=a1";
        let first = event(body);
        assert_eq!(first.key, event(body).key);
        assert!(first.key.starts_with("unsubscribe:"), "{}", first.key);
        assert!(
            !first.key.to_lowercase().contains("example"),
            "{}",
            first.key
        );
        let later = event(&body.replace("10%3A00%3A00", "10%3A00%3A01"));
        assert_ne!(first.key, later.key, "another firing is another event");
    }

    #[test]
    fn profile_names_are_taken_when_valid_and_a_blank_first_name_is_not() {
        let change = event(
            "type=profile&fired_at=2026-11-22+10%3A00%3A00&data[email]=ada%40example.com&data[merges][FNAME]=Augusta&data[merges][LNAME]=",
        )
        .change;
        assert_eq!(
            change,
            MemberChange::Profile {
                first_name: Some(Text::name("firstName", "Augusta").expect("name")),
                last_name: Some(None),
            }
        );
        let change = event(
            "type=profile&data[email]=ada%40example.com&data[merges][FNAME]=+&data[merges][PHONE]=1",
        )
        .change;
        assert_eq!(
            change,
            MemberChange::Profile {
                first_name: None,
                last_name: None,
            }
        );
    }

    #[test]
    fn an_address_change_is_found_by_the_old_address_and_keys_the_new_member() {
        let event = event(
            "type=upemail&fired_at=2026-11-22+10%3A00%3A00&data[old_email]=old%40example.com&data[new_email]=new%40example.com",
        );
        assert_eq!(event.email.as_str(), "old@example.com");
        let new = EmailAddress::parse("new@example.com").expect("email");
        assert_eq!(
            event.change,
            MemberChange::EmailChanged {
                new_email: new.clone(),
                new_email_key: Some(hash(&new)),
            }
        );
    }
}
