use std::collections::BTreeMap;

use chrono::{TimeZone as _, Utc};
use rapport_domain::values::EmailAddress;
use rapport_mailchimp::{
    CleanedReason, UnsubscribeAction, WebhookError, WebhookEvent, parse_webhook,
};

fn email(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).expect("valid")
}

#[test]
fn an_unsubscribe_event_names_the_address_action_reason_and_audience() {
    let body = b"type=unsubscribe&fired_at=2009-03-26+21%3A40%3A57\
        &data%5Baction%5D=unsub&data%5Breason%5D=manual&data%5Bid%5D=8a25ff1d98\
        &data%5Blist_id%5D=a6b5da1054&data%5Bemail%5D=api%2Bunsub%40mailchimp.com\
        &data%5Bemail_type%5D=html&data%5Bmerges%5D%5BEMAIL%5D=api%2Bunsub%40mailchimp.com\
        &data%5Bmerges%5D%5BFNAME%5D=Mailchimp&data%5Bmerges%5D%5BLNAME%5D=API\
        &data%5Bip_opt%5D=10.20.10.30&data%5Bcampaign_id%5D=cb398d21d2";

    let event = parse_webhook(body).expect("an event");

    assert_eq!(
        event,
        WebhookEvent::Unsubscribed {
            email: email("api+unsub@mailchimp.com"),
            action: UnsubscribeAction::Unsubscribed,
            reason: Some("manual".into()),
            list_id: Some("a6b5da1054".into()),
            fired_at: Some(Utc.with_ymd_and_hms(2009, 3, 26, 21, 40, 57).unwrap()),
        }
    );
    assert_eq!(event.list_id(), Some("a6b5da1054"));
}

#[test]
fn an_unsubscribe_by_deletion_is_told_apart() {
    let event = parse_webhook(b"type=unsubscribe&data[action]=delete&data[email]=ada@example.com")
        .expect("an event");
    let WebhookEvent::Unsubscribed { action, .. } = event else {
        panic!("not an unsubscribe: {event:?}");
    };
    assert_eq!(action, UnsubscribeAction::Deleted);
}

#[test]
fn a_cleaned_event_names_the_address_and_the_reason() {
    let event = parse_webhook(
        b"type=cleaned&fired_at=2009-03-26+22%3A01%3A00&data[list_id]=a6b5da1054\
          &data[campaign_id]=4fjk2ma9xd&data[reason]=hard&data[email]=api%2Bcleaned%40mailchimp.com",
    )
    .expect("an event");
    assert_eq!(
        event,
        WebhookEvent::Cleaned {
            email: email("api+cleaned@mailchimp.com"),
            reason: CleanedReason::HardBounce,
            list_id: Some("a6b5da1054".into()),
            fired_at: Some(Utc.with_ymd_and_hms(2009, 3, 26, 22, 1, 0).unwrap()),
        }
    );
    let abuse = parse_webhook(b"type=cleaned&data[reason]=abuse&data[email]=a@example.com")
        .expect("an event");
    assert!(matches!(
        abuse,
        WebhookEvent::Cleaned {
            reason: CleanedReason::Abuse,
            ..
        }
    ));
}

#[test]
fn a_profile_event_carries_the_first_level_merge_fields_decoded() {
    let event = parse_webhook(
        b"type=profile&fired_at=2009-03-26+21%3A31%3A21&data[id]=8a25ff1d98\
          &data[list_id]=a6b5da1054&data[email]=api%40mailchimp.com&data[email_type]=html\
          &data[merges][EMAIL]=api%40mailchimp.com&data[merges][FNAME]=Ren%C3%A9e\
          &data[merges][LNAME]=O%27Brien+Smith&data[merges][INTERESTS]=Group1%2CGroup2\
          &data[merges][GROUPINGS][0][name]=Interests&data[ip_opt]=10.20.10.30",
    )
    .expect("an event");
    let merges: BTreeMap<String, String> = [
        ("EMAIL", "api@mailchimp.com"),
        ("FNAME", "Renée"),
        ("INTERESTS", "Group1,Group2"),
        ("LNAME", "O'Brien Smith"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(
        event,
        WebhookEvent::Profile {
            email: email("api@mailchimp.com"),
            merges,
            list_id: Some("a6b5da1054".into()),
            fired_at: Some(Utc.with_ymd_and_hms(2009, 3, 26, 21, 31, 21).unwrap()),
        }
    );
}

#[test]
fn an_upemail_event_carries_the_old_and_the_new_address() {
    let event = parse_webhook(
        b"type=upemail&fired_at=2009-03-26+22%3A15%3A09&data[list_id]=a6b5da1054\
          &data[new_id]=51da8c3259&data[new_email]=api%2Bnew%40mailchimp.com\
          &data[old_email]=api%2Bold%40mailchimp.com",
    )
    .expect("an event");
    assert_eq!(
        event,
        WebhookEvent::EmailChanged {
            old_email: email("api+old@mailchimp.com"),
            new_email: email("api+new@mailchimp.com"),
            list_id: Some("a6b5da1054".into()),
            fired_at: Some(Utc.with_ymd_and_hms(2009, 3, 26, 22, 15, 9).unwrap()),
        }
    );
}

#[test]
fn a_subscribe_event_names_the_address_and_audience() {
    let event = parse_webhook(
        b"type=subscribe&fired_at=2009-03-26+21%3A35%3A57&data[id]=8a25ff1d98&data[list_id]=a6b5da1054&data[email]=api%40mailchimp.com&data[email_type]=html&data[merges][FNAME]=Ada",
    )
    .expect("an event");
    assert_eq!(
        event,
        WebhookEvent::Subscribed {
            email: email("api@mailchimp.com"),
            list_id: Some("a6b5da1054".into()),
            fired_at: Some(Utc.with_ymd_and_hms(2009, 3, 26, 21, 35, 57).unwrap()),
        }
    );
}

#[test]
fn types_the_api_does_not_apply_are_ignored_and_an_empty_body_is_the_registration_probe() {
    for (body, kind) in [
        (&b"type=campaign&data[id]=5aa2102003"[..], "campaign"),
        (b"type=something_new", "something_new"),
    ] {
        assert_eq!(
            parse_webhook(body),
            Ok(WebhookEvent::Ignored { kind: kind.into() })
        );
    }
    assert_eq!(parse_webhook(b""), Ok(WebhookEvent::Probe));
}

#[test]
fn an_unreadable_fired_at_is_dropped_rather_than_refusing_the_event() {
    let event = parse_webhook(b"type=cleaned&fired_at=yesterday&data[email]=a@example.com")
        .expect("an event");
    assert!(matches!(
        event,
        WebhookEvent::Cleaned { fired_at: None, .. }
    ));
}

#[test]
fn bodies_missing_what_the_event_needs_are_refused_naming_the_field() {
    assert_eq!(
        parse_webhook(b"data[email]=a@example.com"),
        Err(WebhookError::MissingType)
    );
    assert_eq!(
        parse_webhook(b"type=upemail&data[old_email]=a@example.com"),
        Err(WebhookError::MissingField {
            kind: "upemail",
            field: "data[new_email]"
        })
    );
    let refused = parse_webhook(b"type=unsubscribe&data[email]=not-an-address").unwrap_err();
    assert_eq!(
        refused,
        WebhookError::InvalidEmail {
            kind: "unsubscribe",
            field: "data[email]"
        }
    );
    assert!(!refused.to_string().contains("not-an-address"));
    assert_eq!(parse_webhook(b"type=%FF"), Err(WebhookError::Encoding));
}
