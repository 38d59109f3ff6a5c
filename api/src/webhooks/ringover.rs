//! `POST /webhooks/ringover`: call events, signed by Ringover, recorded as interactions on the
//! contacts with the caller's (inbound) or callee's (outbound) number; and Ringover's caller-ID
//! lookup, answered with who that contact is (or 204 when nobody has the number).
//!
//! The `X-Ringover-Webhook-Signature` header must be an HS512 JWT under `ringover.webhook_secret`
//! whose claims are the body (`rapport_ringover::verify_webhook` states that assumption): a
//! missing or bad one answers 401 and nothing is stored.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use rapport_domain::account::RelationshipType;
use rapport_domain::contact::InteractionDirection;
use rapport_ringover::{
    CallDirection, CallEvent, CallEventError, CallEventKind, CallerCard, ContactLookup,
    RingoverConfig, RingoverWebhook, SIGNATURE_HEADER,
};

use super::reply::{
    acknowledged, answered, bad_request, error, internal, not_found, read_body, request_id,
};
use crate::global_id::{self, Kind};
use crate::http::AppState;
use crate::service::{self, CallRecord, CallerIdentity};

const PROVIDER: &str = rapport_ringover::NAME;

fn unauthorized(rid: &str) -> HttpResponse {
    error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        "the webhook signature is missing or invalid",
        rid,
    )
}

/// POST: one webhook.
pub(super) async fn receive(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id(&req);
    let Some(config) = state.settings.ringover.as_ref() else {
        return not_found(&rid);
    };
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let Some(signature) = signature else {
        crate::http::note_refusal(&req, "ringover webhook without a signature");
        return unauthorized(&rid);
    };
    let body = match read_body(&req, payload).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    if let Err(err) =
        rapport_ringover::verify_webhook(Some(&signature), &body, &config.webhook_secret)
    {
        crate::http::note_refusal(&req, format!("ringover webhook refused: {}", err.code()));
        return unauthorized(&rid);
    }
    let event = match rapport_ringover::parse_webhook(&body) {
        Ok(RingoverWebhook::Call(event)) => event,
        Ok(RingoverWebhook::ContactLookup(lookup)) => {
            return answer_lookup(&state, config, &lookup, &rid).await;
        }
        Err(CallEventError::NotACallEvent { resource, event }) => {
            tracing::info!(provider = PROVIDER, %resource, %event, "webhook event ignored");
            return acknowledged("ignored");
        }
        Err(err @ CallEventError::Malformed(_)) => return bad_request(&err.to_string(), &rid),
    };
    let Some(call) = call_record(&event) else {
        tracing::info!(
            provider = PROVIDER,
            kind = event.kind.as_str(),
            "call event without a contact number (hidden, internal or not E.164) ignored"
        );
        return acknowledged("ignored");
    };
    match service::record_call(&state.store, &rid, Utc::now(), &call).await {
        Ok(outcome) => answered(PROVIDER, event.kind.as_str(), outcome),
        Err(err) => internal(&err, &rid),
    }
}

/// Answers a caller-ID lookup: the contact's card, or 204 when the number is hidden or nobody
/// has it.
async fn answer_lookup(
    state: &AppState,
    config: &RingoverConfig,
    lookup: &ContactLookup,
    rid: &str,
) -> HttpResponse {
    let Some(number) = lookup.contact_number() else {
        return HttpResponse::NoContent().finish();
    };
    match service::identify_caller(&state.store, number).await {
        Ok(Some(caller)) => {
            tracing::info!(provider = PROVIDER, "caller identified");
            HttpResponse::Ok().json(caller_card(&caller, config))
        }
        Ok(None) => {
            tracing::info!(provider = PROVIDER, "caller not known");
            HttpResponse::NoContent().finish()
        }
        Err(err) => internal(&err, rid),
    }
}

/// What Ringover shows the agent: the contact, its account, and whether it is a client (with
/// its account manager) or a customer.
fn caller_card(caller: &CallerIdentity, config: &RingoverConfig) -> CallerCard {
    let id = global_id::encode(Kind::Contact, caller.contact.get());
    let mut data = vec![(
        "Relationship".to_owned(),
        match caller.relationship {
            RelationshipType::Client => "Client",
            RelationshipType::Customer => "Customer",
        }
        .to_owned(),
    )];
    if let Some(manager) = &caller.account_manager {
        data.push(("Account manager".to_owned(), manager.clone()));
    }
    if let Some(role) = &caller.job_role {
        data.push(("Role".to_owned(), role.clone()));
    }
    if caller.others > 0 {
        data.push((
            "Also at this number".to_owned(),
            format!(
                "{} other contact{}",
                caller.others,
                if caller.others == 1 { "" } else { "s" }
            ),
        ));
    }
    CallerCard {
        url: config.contact_link(&id),
        uuid: id,
        firstname: caller.first_name.clone(),
        lastname: caller.last_name.clone().unwrap_or_default(),
        company: caller.account.clone(),
        data,
        is_shared: config.share_contacts,
    }
}

/// The interaction a call event becomes, when it has a number on the contact's side.
fn call_record(event: &CallEvent) -> Option<CallRecord> {
    let number = event.contact_number()?.clone();
    let summary = match event.kind {
        CallEventKind::Ringing => "Ringing".to_owned(),
        CallEventKind::Answered => "Answered".to_owned(),
        CallEventKind::Hangup => "Call ended".to_owned(),
        CallEventKind::Voicemail => "Voicemail left".to_owned(),
        CallEventKind::Missed => match &event.missed_reason {
            Some(reason) => format!("Missed ({reason})"),
            None => "Missed".to_owned(),
        },
    };
    Some(CallRecord {
        provider: PROVIDER,
        number,
        key: event.dedup_key(),
        direction: Some(match event.direction {
            CallDirection::Inbound => InteractionDirection::Inbound,
            CallDirection::Outbound => InteractionDirection::Outbound,
        }),
        at: event.started_at,
        duration_seconds: event.duration.map(whole_seconds),
        summary: Some(summary),
    })
}

/// Rounded to the nearest second.
fn whole_seconds(duration: Duration) -> i32 {
    let rounded = duration.as_millis().saturating_add(500) / 1000;
    i32::try_from(rounded).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> CallEvent {
        rapport_ringover::parse_call_event(json.as_bytes()).expect("a call event")
    }

    #[test]
    fn a_hangup_becomes_a_call_with_its_duration_on_the_callers_number() {
        let call = call_record(&event(
            r#"{"resource":"call","event":"hangup","timestamp":1790000000,"data":{"call_id":42,"direction":"inbound","from_number":"33612345678","to_number":"33199999999","start_time":1790000000,"duration_in_seconds":"65.6"}}"#,
        ))
        .expect("a record");
        assert_eq!(call.number.as_str(), "+33612345678");
        assert_eq!(call.key, "42:hangup");
        assert_eq!(call.direction, Some(InteractionDirection::Inbound));
        assert_eq!(call.duration_seconds, Some(66));
        assert_eq!(call.summary.as_deref(), Some("Call ended"));
    }

    #[test]
    fn an_outbound_call_is_matched_on_the_callee_and_a_hidden_number_on_nobody() {
        let call = call_record(&event(
            r#"{"resource":"call","event":"missed","timestamp":1790000000,"data":{"call_id":"7","direction":"outbound","from_number":"33199999999","to_number":"4915112345678","reason":"NO_ANSWER"}}"#,
        ))
        .expect("a record");
        assert_eq!(call.number.as_str(), "+4915112345678");
        assert_eq!(call.summary.as_deref(), Some("Missed (NO_ANSWER)"));
        let hidden = event(
            r#"{"resource":"call","event":"ringing","timestamp":1790000000,"data":{"call_id":8,"direction":"inbound","from_number":"anonymous","to_number":"33199999999"}}"#,
        );
        assert!(call_record(&hidden).is_none());
    }
}
