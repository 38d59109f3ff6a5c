//! Opaque, stable global ids: `base64url("Type:raw")`. Clients must not parse them; the type
//! prefix lets `node(id:)` dispatch and lets a wrong-typed id be refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The kinds of object that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An account.
    Account,
    /// A contact.
    Contact,
    /// A team member.
    TeamMember,
    /// A partner.
    Partner,
    /// An audit entry.
    AuditEntry,
    /// An agreement.
    Agreement,
    /// An interaction with a contact (a call).
    Interaction,
    /// A notification in a team member's inbox.
    Notification,
    /// An outbound webhook endpoint.
    WebhookEndpoint,
    /// One event's delivery to one webhook endpoint.
    WebhookDelivery,
    /// A service account (a machine's identity).
    ServiceAccount,
    /// An API key of a service account.
    ApiKey,
    /// An import run as a background job.
    ImportJob,
}

impl Kind {
    const ALL: [Kind; 13] = [
        Kind::Account,
        Kind::Contact,
        Kind::TeamMember,
        Kind::Partner,
        Kind::AuditEntry,
        Kind::Agreement,
        Kind::Interaction,
        Kind::Notification,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
        Kind::ServiceAccount,
        Kind::ApiKey,
        Kind::ImportJob,
    ];

    /// The GraphQL type name.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::Contact => "Contact",
            Kind::TeamMember => "TeamMember",
            Kind::Partner => "Partner",
            Kind::AuditEntry => "AuditEntry",
            Kind::Agreement => "Agreement",
            Kind::Interaction => "Interaction",
            Kind::Notification => "Notification",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::ApiKey => "ApiKey",
            Kind::ImportJob => "ImportJob",
        }
    }

    /// The kind a GraphQL type name names (`Account`), if any.
    pub fn parse_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Encodes a global id. Every object of a page carries one, so the text `Type:raw` is written
/// on the stack and only the id itself is allocated.
pub fn encode(kind: Kind, raw: i64) -> String {
    // The longest type name (15 bytes), ':' and an i64 in decimal (20 bytes) fit.
    let mut text = [0u8; 40];
    let name = kind.name().as_bytes();
    text[..name.len()].copy_from_slice(name);
    let mut len = name.len();
    text[len] = b':';
    len += 1;
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = raw.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if raw < 0 {
        text[len] = b'-';
        len += 1;
    }
    let digits = &digits[start..];
    text[len..len + digits.len()].copy_from_slice(digits);
    len += digits.len();
    URL_SAFE_NO_PAD.encode(&text[..len])
}

/// Decodes any global id into its kind and raw key; `None` if it is not one of ours.
///
/// Ids are canonical: each object has exactly one id, the one [`encode`] gives. Anything else
/// that would name the same row (`Account:01`, `Account:+1`, padding, other base64 alphabets
/// or non-zero trailing bits) is refused, so an id can be compared, cached and used as a key
/// as a string.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    if id.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (name, raw) = text.split_once(':')?;
    let kind = Kind::parse_name(name)?;
    let raw: i64 = raw.parse().ok().filter(|n| *n > 0)?;
    (encode(kind, raw) == id).then_some((kind, raw))
}

/// Decodes a global id that must be of `kind`.
pub fn decode(kind: Kind, id: &str) -> Option<i64> {
    decode_any(id).and_then(|(k, raw)| (k == kind).then_some(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_decodes_back_to_its_kind_and_key() {
        let id = encode(Kind::Account, 42);
        assert_eq!(decode_any(&id), Some((Kind::Account, 42)));
        assert_eq!(decode(Kind::Account, &id), Some(42));
    }

    #[test]
    fn an_id_of_another_kind_or_garbage_does_not_decode() {
        assert_eq!(decode(Kind::Contact, &encode(Kind::Account, 42)), None);
        for junk in ["", "!!!", "QWNjb3VudDo", "QWNjb3VudDotMQ", "Zm9vOjE"] {
            assert_eq!(decode_any(junk), None, "{junk}");
        }
    }

    #[test]
    fn an_id_is_the_base64_of_its_type_name_a_colon_and_its_key() {
        for kind in Kind::ALL {
            for raw in [1, 9, 10, 42, 1_000_000_007, i64::MAX, 0, -1, -90, i64::MIN] {
                let text = format!("{}:{raw}", kind.name());
                assert_eq!(
                    URL_SAFE_NO_PAD.decode(encode(kind, raw)).ok(),
                    Some(text.into_bytes()),
                    "{kind:?} {raw}"
                );
            }
        }
    }

    #[test]
    fn an_object_has_exactly_one_id() {
        let canonical = encode(Kind::Account, 1);
        assert_eq!(decode_any(&canonical), Some((Kind::Account, 1)));
        let other_spellings = [
            "Account:01",
            "Account:+1",
            "Account: 1",
            "Account:1 ",
            "Account:001",
            "Account:1\0",
        ]
        .map(|text| URL_SAFE_NO_PAD.encode(text));
        for id in other_spellings {
            assert_eq!(decode_any(&id), None, "{id}");
        }
        let alternatives = [
            format!("{canonical}="),
            format!("{canonical}=="),
            format!(" {canonical}"),
            canonical.to_lowercase(),
        ];
        for id in alternatives {
            assert_eq!(decode_any(&id), None, "{id}");
        }
    }

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // "Account:1" is 9 bytes: 12 characters, no spare bits. "Account:12" is 10 bytes:
        // 14 characters whose last one carries 2 unused bits that must be zero.
        let canonical = encode(Kind::Account, 12);
        assert_eq!(canonical.len(), 14);
        let last = canonical.chars().last().expect("a last character");
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = alphabet.find(last).expect("in the alphabet");
        let sibling = alphabet.chars().nth(index + 1).expect("a neighbour");
        let forged = format!("{}{sibling}", &canonical[..13]);
        assert_eq!(decode_any(&forged), None, "{forged}");
        assert_eq!(decode(Kind::Account, &canonical), Some(12));
    }
}
