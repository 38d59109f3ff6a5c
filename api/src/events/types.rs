//! The event types Rapport writes: the single list webhook endpoints and subscriptions
//! validate their `eventTypes` against. It is the domain catalogue's, by name.

use rapport_domain::events::CATALOGUE;

/// Every event type name, in catalogue order.
pub const EVENT_TYPES: [&str; CATALOGUE.len()] = {
    let mut names = [""; CATALOGUE.len()];
    let mut i = 0;
    while i < CATALOGUE.len() {
        names[i] = CATALOGUE[i].name;
        i += 1;
    }
    names
};

/// Whether `name` is an event type Rapport writes.
pub fn is_known(name: &str) -> bool {
    EVENT_TYPES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_catalogue() {
        assert_eq!(EVENT_TYPES.len(), CATALOGUE.len());
        assert!(is_known("agreement.metric_breached"));
        assert!(is_known("contact.updated"));
        assert!(!is_known("contact.changed"));
    }
}
