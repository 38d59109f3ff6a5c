//! Ringover's call webhooks, read into what the api needs: a call event to record as an
//! interaction, or a caller-ID lookup to answer.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_domain::values::PhoneNumber;
use serde::Deserialize;
use serde_json::Value;

/// What happened to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallEventKind {
    /// A phone is ringing.
    Ringing,
    /// Someone picked up.
    Answered,
    /// The call ended; carries the duration.
    Hangup,
    /// Nobody answered.
    Missed,
    /// The caller left a voicemail.
    Voicemail,
}

impl CallEventKind {
    /// Ringover's name for it (`hangup`), stable: half of the deduplication key.
    pub const fn as_str(self) -> &'static str {
        match self {
            CallEventKind::Ringing => "ringing",
            CallEventKind::Answered => "answered",
            CallEventKind::Hangup => "hangup",
            CallEventKind::Missed => "missed",
            CallEventKind::Voicemail => "voicemail",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [
            Self::Ringing,
            Self::Answered,
            Self::Hangup,
            Self::Missed,
            Self::Voicemail,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == raw)
    }
}

/// Which way the call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// The contact called us.
    Inbound,
    /// We called the contact.
    Outbound,
}

/// A call event, ready to become an interaction on the contact whose number is
/// [`CallEvent::contact_number`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEvent {
    /// Ringover's call id (a number, kept as text).
    pub call_id: String,
    /// What happened.
    pub kind: CallEventKind,
    /// Which way the call went.
    pub direction: CallDirection,
    /// The calling number; `None` when hidden, internal (an extension) or not E.164.
    pub from: Option<PhoneNumber>,
    /// The called number; `None` when internal or not E.164.
    pub to: Option<PhoneNumber>,
    /// When the call started (`start_time`; the event's `timestamp` when Ringover left it out).
    pub started_at: DateTime<Utc>,
    /// How long the call lasted (`duration_in_seconds`: hangup and voicemail events).
    pub duration: Option<Duration>,
    /// Why a missed call was missed (`reason`, e.g. `OUT_PLANNING`), as Ringover says it.
    pub missed_reason: Option<String>,
    /// Ringover's delivery attempt, 1 for the first; retries repeat the same event.
    pub attempt: u32,
}

impl CallEvent {
    /// The number on the contact's side: the caller of an inbound call, the callee of an
    /// outbound one. The api matches the contact by it.
    pub fn contact_number(&self) -> Option<&PhoneNumber> {
        match self.direction {
            CallDirection::Inbound => self.from.as_ref(),
            CallDirection::Outbound => self.to.as_ref(),
        }
    }

    /// The key to deduplicate deliveries on: Ringover retries, and one call sends several events.
    pub fn dedup_key(&self) -> String {
        format!("{}:{}", self.call_id, self.kind.as_str())
    }
}

/// Ringover asking who is on the other end of a call (`resource: call`, `event: contact`), to
/// show the agent; answered with a [`CallerCard`](crate::CallerCard), or 204 when nobody is
/// known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactLookup {
    /// Ringover's call id, when it sent one.
    pub call_id: Option<String>,
    /// Which way the call goes; inbound when Ringover left it out (a lookup is mostly for an
    /// incoming call).
    pub direction: CallDirection,
    /// The calling number; `None` when hidden, internal or not E.164.
    pub from: Option<PhoneNumber>,
    /// The called number; `None` when internal or not E.164.
    pub to: Option<PhoneNumber>,
}

impl ContactLookup {
    /// The number to look the contact up by: the caller of an inbound call, the callee of an
    /// outbound one.
    pub fn contact_number(&self) -> Option<&PhoneNumber> {
        match self.direction {
            CallDirection::Inbound => self.from.as_ref(),
            CallDirection::Outbound => self.to.as_ref(),
        }
    }
}

/// A webhook the api acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingoverWebhook {
    /// A call event, to record as an interaction.
    Call(CallEvent),
    /// A caller-ID lookup, to answer.
    ContactLookup(ContactLookup),
}

/// A webhook body that is not one the api acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallEventError {
    /// A well-formed webhook of another kind (`aftercall`, `message`, …; and for
    /// [`parse_call_event`], the caller-ID lookup): acknowledge it, record nothing.
    #[error("not a call event: {resource}/{event}")]
    NotACallEvent {
        /// The envelope's `resource`.
        resource: String,
        /// The envelope's `event`.
        event: String,
    },
    /// Not a readable call event: answer 400.
    #[error("malformed call event: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Envelope {
    resource: String,
    event: String,
    #[serde(default)]
    timestamp: Option<f64>,
    #[serde(default)]
    attempt: Option<u32>,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Deserialize)]
struct LookupData {
    #[serde(default)]
    call_id: Option<Value>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    from_number: Option<Value>,
    #[serde(default)]
    to_number: Option<Value>,
}

#[derive(Deserialize)]
struct CallData {
    call_id: Value,
    direction: String,
    #[serde(default)]
    from_number: Option<Value>,
    #[serde(default)]
    to_number: Option<Value>,
    #[serde(default)]
    start_time: Option<Value>,
    #[serde(default)]
    duration_in_seconds: Option<Value>,
    #[serde(default)]
    reason: Option<String>,
}

/// Reads a call webhook (`resource: call`, event `ringing`, `answered`, `hangup`, `missed` or
/// `voicemail`). Verify the body with [`verify_webhook`](crate::verify_webhook) first.
pub fn parse_call_event(body: &[u8]) -> Result<CallEvent, CallEventError> {
    match parse_webhook(body)? {
        RingoverWebhook::Call(event) => Ok(event),
        RingoverWebhook::ContactLookup(_) => Err(CallEventError::NotACallEvent {
            resource: "call".to_owned(),
            event: "contact".to_owned(),
        }),
    }
}

/// Reads a webhook the api acts on: a call event ([`parse_call_event`]) or a caller-ID lookup
/// (`resource: call`, `event: contact`). Verify the body with
/// [`verify_webhook`](crate::verify_webhook) first.
pub fn parse_webhook(body: &[u8]) -> Result<RingoverWebhook, CallEventError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|err| CallEventError::Malformed(err.to_string()))?;
    if envelope.resource == "call" && envelope.event == "contact" {
        return parse_lookup(envelope).map(RingoverWebhook::ContactLookup);
    }
    call_event(envelope).map(RingoverWebhook::Call)
}

fn parse_lookup(envelope: Envelope) -> Result<ContactLookup, CallEventError> {
    let data: LookupData = match envelope.data {
        Some(data) => serde_json::from_value(data)
            .map_err(|err| CallEventError::Malformed(err.to_string()))?,
        None => return Err(CallEventError::Malformed("no data".to_owned())),
    };
    let call_id = match &data.call_id {
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    };
    let direction = match data.direction.as_deref().map(str::trim) {
        None | Some("") => CallDirection::Inbound,
        Some(raw) => direction(raw)?,
    };
    Ok(ContactLookup {
        call_id,
        direction,
        from: data.from_number.as_ref().and_then(phone),
        to: data.to_number.as_ref().and_then(phone),
    })
}

fn direction(raw: &str) -> Result<CallDirection, CallEventError> {
    match raw.to_ascii_lowercase().as_str() {
        "inbound" | "in" => Ok(CallDirection::Inbound),
        "outbound" | "out" => Ok(CallDirection::Outbound),
        _ => Err(CallEventError::Malformed(
            "direction is neither inbound nor outbound".to_owned(),
        )),
    }
}

fn call_event(envelope: Envelope) -> Result<CallEvent, CallEventError> {
    let malformed = |what: &str| CallEventError::Malformed(what.to_owned());
    let kind = (envelope.resource == "call")
        .then(|| CallEventKind::parse(&envelope.event))
        .flatten()
        .ok_or_else(|| CallEventError::NotACallEvent {
            resource: envelope.resource.clone(),
            event: envelope.event.clone(),
        })?;
    let data: CallData = serde_json::from_value(envelope.data.ok_or_else(|| malformed("no data"))?)
        .map_err(|err| CallEventError::Malformed(err.to_string()))?;
    let call_id = match &data.call_id {
        Value::Number(n) if n.is_u64() => n.to_string(),
        Value::String(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => return Err(malformed("call_id is not an id")),
    };
    let direction = direction(&data.direction)?;
    let started_at = data
        .start_time
        .as_ref()
        .and_then(seconds)
        .or(envelope.timestamp)
        .and_then(instant)
        .ok_or_else(|| malformed("no start_time or timestamp"))?;
    let duration = data
        .duration_in_seconds
        .as_ref()
        .and_then(seconds)
        .filter(|s| *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    Ok(CallEvent {
        call_id,
        kind,
        direction,
        from: data.from_number.as_ref().and_then(phone),
        to: data.to_number.as_ref().and_then(phone),
        started_at,
        duration,
        missed_reason: data.reason.filter(|r| !r.trim().is_empty()),
        attempt: envelope.attempt.unwrap_or(1),
    })
}

/// Seconds as a JSON number or numeric string.
fn seconds(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| s.is_finite())
}

/// Unix seconds with a fraction, to the microsecond.
fn instant(unix_seconds: f64) -> Option<DateTime<Utc>> {
    let micros = (unix_seconds * 1_000_000.0).round();
    // An f64 within i64's range converts exactly enough; outside it, no instant.
    if !(i64::MIN as f64..i64::MAX as f64).contains(&micros) {
        return None;
    }
    DateTime::from_timestamp_micros(micros as i64)
}

/// Ringover writes numbers as E.164 digits without `+` (`33601020304`), as text or a number.
fn phone(value: &Value) -> Option<PhoneNumber> {
    let written = match value {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    let international = if written.starts_with('+') {
        written
    } else if let Some(rest) = written.strip_prefix("00") {
        format!("+{rest}")
    } else {
        format!("+{written}")
    };
    PhoneNumber::parse(&international).ok()
}
