use rapport_domain::account::RelationshipType;
use rapport_domain::contact::EmailConsent;
use rapport_domain::ids::ContactId;
use rapport_domain::values::{EmailAddress, Phone, PhoneNumber, PhoneType, Tags, Text};

use crate::{ErasedContact, SyncContact};

/// A subscribed customer contact `n`: `Ada n`, `ada{n}@example.com`, one mobile number.
pub fn sync_contact(n: i64) -> SyncContact {
    SyncContact {
        contact_id: ContactId::new(n),
        email: Some(EmailAddress::parse(&format!("ada{n}@example.com")).expect("a valid address")),
        first_name: Text::name("firstName", &format!("Ada {n}")).expect("a valid name"),
        last_name: Some(Text::name("lastName", "Lovelace").expect("a valid name")),
        company: Some("Analytical Engines".to_owned()),
        phones: vec![Phone {
            number: PhoneNumber::parse(&format!("+336{:08}", n.rem_euclid(100_000_000)))
                .expect("a valid number"),
            kind: PhoneType::Mobile,
        }],
        consent: EmailConsent::Subscribed,
        relationship: RelationshipType::Customer,
        tags: Tags::parse(&["newsletter"]).expect("valid tags"),
        previous_email: None,
        previous_consent: None,
        external_id: None,
    }
}

/// What remains of contact `n` after erasure, with the provider's id `ext-{n}`.
pub fn erased_contact(n: i64) -> ErasedContact {
    ErasedContact {
        contact_id: ContactId::new(n),
        last_known_email_key: None,
        external_id: Some(format!("ext-{n}")),
    }
}
