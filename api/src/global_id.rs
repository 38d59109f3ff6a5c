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
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::Account,
        Kind::Contact,
        Kind::TeamMember,
        Kind::Partner,
        Kind::AuditEntry,
        Kind::Agreement,
        Kind::Interaction,
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
        }
    }
}

/// Encodes a global id.
pub fn encode(kind: Kind, raw: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{raw}", kind.name()))
}

/// Decodes any global id into its kind and raw key; `None` if it is not one of ours.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    if id.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (name, raw) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    let raw: i64 = raw.parse().ok().filter(|n| *n > 0)?;
    Some((kind, raw))
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
}
