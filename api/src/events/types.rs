//! The event types endpoints and subscriptions may name: the domain catalogue's
//! ([`rapport_domain::events::CATALOGUE`]), the one list.

use rapport_domain::events::{CATALOGUE, Visibility};

/// One event type and whether a partner may receive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The type's name (`agreement.metric_breached`).
    pub name: &'static str,
    /// Whether a partner may receive it (about the accounts it referred): never for credits,
    /// the team, partners, tokens or webhook endpoints.
    pub partners: bool,
}

const LEN: usize = CATALOGUE.len();

/// Every event type, in catalogue order. A partner receives exactly the types of class
/// `EVERYONE` (a test checks this against the permission matrix).
pub const EVENT_TYPES: &[EventType] = &{
    let mut out = [EventType {
        name: "",
        partners: false,
    }; LEN];
    let mut i = 0;
    while i < LEN {
        out[i] = EventType {
            name: CATALOGUE[i].name,
            partners: matches!(CATALOGUE[i].visibility, Visibility::Everyone),
        };
        i += 1;
    }
    out
};

/// The type named `name`, if there is one.
pub fn event_type(name: &str) -> Option<&'static EventType> {
    EVENT_TYPES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use rapport_domain::events::may_receive;
    use rapport_domain::ids::PartnerId;
    use rapport_domain::permissions::Principal;

    use super::*;

    #[test]
    fn the_list_is_the_catalogue_and_partners_get_what_the_permissions_allow() {
        let partner = Principal::Partner {
            partner: PartnerId::new(1),
            scopes: rapport_domain::permissions::Scopes::ALL,
        };
        assert_eq!(EVENT_TYPES.len(), CATALOGUE.len());
        for (t, info) in EVENT_TYPES.iter().zip(CATALOGUE) {
            assert_eq!(t.name, info.name);
            assert_eq!(t.partners, may_receive(&partner, info), "{}", t.name);
        }
        for t in EVENT_TYPES {
            let staff_only = t.name.contains("credit")
                || t.name.starts_with("team_member.")
                || t.name.starts_with("token.")
                || t.name.starts_with("webhook.")
                || t.name == "account.manager_assigned"
                || (t.name.starts_with("partner.") && t.name != "partner.referral_created");
            assert_eq!(t.partners, !staff_only, "{}", t.name);
        }
        assert!(event_type("agreement.metric_breached").is_some());
        assert!(event_type("contact.updated").is_some());
        assert!(event_type("contact.changed").is_none());
    }
}
