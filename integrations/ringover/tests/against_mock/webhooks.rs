//! Webhook signatures and call events. Tokens are minted here with jsonwebtoken directly, not
//! with the crate's own helper, so the check is tested against an independent signer.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rapport_domain::values::PhoneNumber;
use rapport_ringover::{
    CallDirection, CallEventError, CallEventKind, ContactLookup, RingoverWebhook, WebhookError,
    parse_call_event, parse_webhook, verify_webhook,
};
use secrecy::SecretString;
use serde_json::{Map, Value, json};

use crate::support::WEBHOOK_SECRET;

fn secret() -> SecretString {
    WEBHOOK_SECRET.into()
}

fn hangup() -> Value {
    json!({
        "resource": "call",
        "event": "hangup",
        "timestamp": 1_554_823_493.762_305,
        "attempt": 2,
        "data": {
            "id": "57622f20-a020-4f9e-814c-62a6123412fa",
            "call_id": 1_234_567_890_987_654_400u64,
            "channel_id": 123_456_789,
            "start_time": 1_554_823_400.762_305,
            "hangup_time": 1_554_823_442.762_305,
            "duration_in_seconds": 32,
            "record": "https://cdr.example.com/record/myrecord.mp3",
            "direction": "inbound",
            "from_number": "33601020304",
            "to_number": "33101020304",
            "user": {"user_id": 123_456_789, "firstname": "Jean", "lastname": "Dupont",
                     "email": "jean.dupont@example.com"},
            "status": "hangup"
        }
    })
}

/// A token over `claims` with `alg` and `key`.
fn mint(claims: &Value, alg: Algorithm, key: &str) -> String {
    // jsonwebtoken 10 signs through a process-wide backend; installing twice is harmless.
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .expect("signs")
}

/// The body's claims plus `registered` ones.
fn claims(body: &Value, registered: &[(&str, i64)]) -> Value {
    let mut claims: Map<String, Value> = body.as_object().expect("an object").clone();
    for (name, value) in registered {
        claims.insert((*name).to_owned(), json!(value));
    }
    Value::Object(claims)
}

fn in_ten_minutes() -> i64 {
    Utc::now().timestamp() + 600
}

fn bytes(body: &Value) -> Vec<u8> {
    serde_json::to_vec(body).expect("serializes")
}

#[test]
fn a_webhook_signed_with_our_secret_is_accepted() {
    let body = hangup();
    let token = mint(
        &claims(
            &body,
            &[("exp", in_ten_minutes()), ("iat", Utc::now().timestamp())],
        ),
        Algorithm::HS512,
        WEBHOOK_SECRET,
    );

    assert_eq!(
        verify_webhook(Some(&token), &bytes(&body), &secret()),
        Ok(())
    );
}

#[test]
fn a_token_without_an_expiry_is_accepted() {
    let body = hangup();
    let token = mint(&body, Algorithm::HS512, WEBHOOK_SECRET);

    assert_eq!(
        verify_webhook(Some(&token), &bytes(&body), &secret()),
        Ok(())
    );
}

#[test]
fn key_order_and_whitespace_of_the_body_do_not_matter() {
    let body = hangup();
    let token = mint(&body, Algorithm::HS512, WEBHOOK_SECRET);
    let reordered = serde_json::to_string_pretty(&json!({
        "data": body["data"], "attempt": 2, "event": "hangup",
        "timestamp": body["timestamp"], "resource": "call"
    }))
    .expect("serializes");

    assert_eq!(
        verify_webhook(Some(&token), reordered.as_bytes(), &secret()),
        Ok(())
    );
}

#[test]
fn a_webhook_without_a_signature_is_refused() {
    let body = bytes(&hangup());

    assert_eq!(
        verify_webhook(None, &body, &secret()),
        Err(WebhookError::Missing)
    );
    assert_eq!(
        verify_webhook(Some("  "), &body, &secret()),
        Err(WebhookError::Missing)
    );
}

#[test]
fn a_garbled_signature_is_refused() {
    let body = bytes(&hangup());

    for garbled in ["not-a-jwt", "a.b.c", "Bearer x"] {
        assert_eq!(
            verify_webhook(Some(garbled), &body, &secret()),
            Err(WebhookError::Malformed),
            "{garbled}"
        );
    }
    // An HS512 header with neither claims nor signature.
    assert_eq!(
        verify_webhook(Some("eyJhbGciOiJIUzUxMiJ9.."), &body, &secret()),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn a_token_signed_with_another_secret_is_refused() {
    let body = hangup();
    let token = mint(&body, Algorithm::HS512, "someone-elses-secret");

    assert_eq!(
        verify_webhook(Some(&token), &bytes(&body), &secret()),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn an_expired_token_is_refused() {
    let body = hangup();
    let an_hour_ago = Utc::now().timestamp() - 3_600;
    let token = mint(
        &claims(&body, &[("exp", an_hour_ago)]),
        Algorithm::HS512,
        WEBHOOK_SECRET,
    );

    assert_eq!(
        verify_webhook(Some(&token), &bytes(&body), &secret()),
        Err(WebhookError::Expired)
    );
}

#[test]
fn a_token_not_valid_yet_is_refused() {
    let body = hangup();
    let in_an_hour = Utc::now().timestamp() + 3_600;
    let token = mint(
        &claims(&body, &[("nbf", in_an_hour)]),
        Algorithm::HS512,
        WEBHOOK_SECRET,
    );

    assert_eq!(
        verify_webhook(Some(&token), &bytes(&body), &secret()),
        Err(WebhookError::NotYetValid)
    );
}

#[test]
fn a_changed_body_is_refused_even_with_a_genuine_token() {
    let body = hangup();
    let token = mint(
        &claims(&body, &[("exp", in_ten_minutes())]),
        Algorithm::HS512,
        WEBHOOK_SECRET,
    );
    let mut tampered = body.clone();
    tampered["data"]["from_number"] = json!("33699999999");
    let mut extended = body.clone();
    extended["data"]["note"] = json!("added in transit");

    for changed in [bytes(&tampered), bytes(&extended), b"not json".to_vec()] {
        assert_eq!(
            verify_webhook(Some(&token), &changed, &secret()),
            Err(WebhookError::BodyMismatch)
        );
    }
}

#[test]
fn a_token_with_another_algorithm_is_refused() {
    let body = hangup();
    let hs256 = mint(&body, Algorithm::HS256, WEBHOOK_SECRET);
    // The same claims under `{"alg":"none"}` with no signature.
    let payload = hs256.split('.').nth(1).expect("a payload segment");
    let none = format!("eyJhbGciOiJub25lIn0.{payload}.");

    for token in [hs256.as_str(), none.as_str()] {
        assert_eq!(
            verify_webhook(Some(token), &bytes(&body), &secret()),
            Err(WebhookError::Malformed),
            "{token}"
        );
    }
}

#[test]
fn an_empty_secret_accepts_nothing() {
    let body = hangup();
    let token = mint(&body, Algorithm::HS512, "");

    assert_eq!(
        verify_webhook(Some(&token), &bytes(&body), &SecretString::from("")),
        Err(WebhookError::NoSecret)
    );
}

#[test]
fn a_hangup_event_reads_with_numbers_times_and_duration() {
    let event = parse_call_event(&bytes(&hangup())).expect("a call event");

    assert_eq!(event.call_id, "1234567890987654400");
    assert_eq!(event.kind, CallEventKind::Hangup);
    assert_eq!(event.direction, CallDirection::Inbound);
    assert_eq!(
        event.from.as_ref().map(|n| n.as_str()),
        Some("+33601020304")
    );
    assert_eq!(event.to.as_ref().map(|n| n.as_str()), Some("+33101020304"));
    let started = Utc
        .timestamp_opt(1_554_823_400, 762_305_000)
        .single()
        .expect("a valid instant");
    assert_eq!(event.started_at, started);
    assert_eq!(event.duration, Some(Duration::from_secs(32)));
    assert_eq!(event.attempt, 2);
    assert_eq!(event.dedup_key(), "1234567890987654400:hangup");
}

#[test]
fn an_inbound_call_is_matched_by_the_caller_and_an_outbound_one_by_the_callee() {
    let mut body = hangup();
    let inbound = parse_call_event(&bytes(&body)).expect("a call event");
    body["data"]["direction"] = json!("outbound");
    let outbound = parse_call_event(&bytes(&body)).expect("a call event");

    assert_eq!(
        inbound.contact_number().map(|n| n.as_str()),
        Some("+33601020304")
    );
    assert_eq!(
        outbound.contact_number().map(|n| n.as_str()),
        Some("+33101020304")
    );
}

#[test]
fn retries_of_one_event_share_a_dedup_key_and_other_events_of_the_call_do_not() {
    let first = hangup();
    let mut retry = first.clone();
    retry["attempt"] = json!(3);
    let mut answered = first.clone();
    answered["event"] = json!("answered");

    let key = |body: &Value| {
        parse_call_event(&bytes(body))
            .expect("a call event")
            .dedup_key()
    };

    assert_eq!(key(&first), key(&retry));
    assert_ne!(key(&first), key(&answered));
}

#[test]
fn a_missed_call_keeps_its_reason_and_a_hidden_caller_reads_as_no_number() {
    let body = json!({
        "resource": "call", "event": "missed", "timestamp": 1_554_823_493.5,
        "data": {"call_id": "987", "direction": "inbound", "from_number": "anonymous",
                 "to_number": 33_101_020_304u64, "reason": "OUT_PLANNING"}
    });

    let event = parse_call_event(&bytes(&body)).expect("a call event");

    assert_eq!(event.kind, CallEventKind::Missed);
    assert_eq!(event.call_id, "987");
    assert_eq!(event.from, None);
    assert_eq!(event.contact_number(), None);
    assert_eq!(event.to.as_ref().map(|n| n.as_str()), Some("+33101020304"));
    assert_eq!(event.missed_reason.as_deref(), Some("OUT_PLANNING"));
    assert_eq!(event.duration, None);
    assert_eq!(event.attempt, 1, "a first delivery may omit attempt");
    assert_eq!(
        event.started_at.timestamp_millis(),
        1_554_823_493_500,
        "the envelope's timestamp stands in for a missing start_time"
    );
}

#[test]
fn a_caller_id_lookup_is_read_with_the_number_to_look_up() {
    let lookup = |data: Value| {
        parse_webhook(&bytes(&json!({
            "resource": "call", "event": "contact", "timestamp": 1_554_823_493.5, "data": data
        })))
    };
    let inbound = lookup(json!({
        "call_id": "8412", "direction": "inbound", "from_number": "33612345678",
        "to_number": "33199999999"
    }));
    assert_eq!(
        inbound,
        Ok(RingoverWebhook::ContactLookup(ContactLookup {
            call_id: Some("8412".to_owned()),
            direction: CallDirection::Inbound,
            from: Some(PhoneNumber::parse("+33612345678").expect("valid")),
            to: Some(PhoneNumber::parse("+33199999999").expect("valid")),
        }))
    );
    let number = |webhook: Result<RingoverWebhook, CallEventError>| match webhook {
        Ok(RingoverWebhook::ContactLookup(l)) => l.contact_number().map(|n| n.as_str().to_owned()),
        other => panic!("not a lookup: {other:?}"),
    };
    // Outbound: the callee. No direction: the caller. Hidden: nobody to look up.
    assert_eq!(
        number(lookup(
            json!({"direction": "outbound", "from_number": 33199999999_u64, "to_number": 4915112345678_u64})
        )),
        Some("+4915112345678".to_owned())
    );
    assert_eq!(
        number(lookup(json!({"from_number": "33612345678"}))),
        Some("+33612345678".to_owned())
    );
    assert_eq!(number(lookup(json!({"from_number": "anonymous"}))), None);
    assert!(matches!(
        lookup(json!({"direction": "sideways", "from_number": "33612345678"})),
        Err(CallEventError::Malformed(_))
    ));
    // A call event still reads as one.
    assert!(matches!(
        parse_webhook(&bytes(&hangup())),
        Ok(RingoverWebhook::Call(_))
    ));
}

#[test]
fn webhooks_that_are_not_call_events_are_told_apart_from_malformed_ones() {
    let other = |resource: &str, event: &str| {
        parse_call_event(&bytes(&json!({
            "resource": resource, "event": event, "timestamp": 1.0,
            "data": {"call_id": 1, "direction": "inbound"}
        })))
    };
    assert!(matches!(
        other("aftercall", "comments_updated"),
        Err(CallEventError::NotACallEvent { .. })
    ));
    assert!(matches!(
        other("call", "contact"),
        Err(CallEventError::NotACallEvent { .. })
    ));

    let mut no_call_id = hangup();
    no_call_id["data"]
        .as_object_mut()
        .expect("an object")
        .remove("call_id");
    let mut sideways = hangup();
    sideways["data"]["direction"] = json!("sideways");
    for malformed in [
        bytes(&no_call_id),
        bytes(&sideways),
        b"{".to_vec(),
        b"[]".to_vec(),
    ] {
        assert!(matches!(
            parse_call_event(&malformed),
            Err(CallEventError::Malformed(_))
        ));
    }
}
