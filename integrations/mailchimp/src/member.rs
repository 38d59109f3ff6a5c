//! What a contact becomes at Mailchimp: the member body, its consent, its relationship tags.

use rapport_domain::account::RelationshipType;
use rapport_domain::contact::EmailConsent;
use rapport_integrations::SyncContact;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::MailchimpConfig;

/// The `status_if_new` a contact's consent gives a member Mailchimp does not know yet, or `None`
/// when the contact must not be created at all.
///
/// | consent | new member | existing member |
/// |---|---|---|
/// | `SUBSCRIBED` | `subscribed` | status untouched (`pending` once for an opt-in renewed here) |
/// | `PENDING` | `pending` (Mailchimp sends the confirmation email) | as `SUBSCRIBED` |
/// | `UNSUBSCRIBED` | `unsubscribed` (the opt-out is recorded there too) | status untouched (`unsubscribed` once for an opt-out made here) |
/// | `CLEANED` | not created | updated, status untouched |
/// | `NONE` | not created | updated, status untouched |
///
/// `status` is never sent to keep or grant a subscription: an existing member's subscription is
/// Mailchimp's to keep (people unsubscribe there, and its webhooks bring that back), and forcing
/// `subscribed` on an existing member is the most damaging failure of Mailchimp syncs. The only
/// `status` ever sent carries a consent change made here (see [`status_to_send`]).
///
/// `NONE` ("never asked") creates nobody: `pending` would email a confirmation request to people
/// who never asked for mail, and `transactional` would copy every contact to a marketing tool
/// (and its bill) without a purpose. `CLEANED` creates nobody either: a bounced address has
/// nothing to receive, and Mailchimp sets `cleaned` itself. A member that already exists for such
/// a contact (they signed up through a Mailchimp form) is still kept up to date.
pub const fn status_if_new(consent: EmailConsent) -> Option<&'static str> {
    match consent {
        EmailConsent::Subscribed => Some("subscribed"),
        EmailConsent::Pending => Some("pending"),
        EmailConsent::Unsubscribed => Some("unsubscribed"),
        EmailConsent::Cleaned | EmailConsent::None => None,
    }
}

/// The `status` an upsert sends to an existing member, when the contact's consent changed here
/// since Mailchimp last heard from us ([`SyncContact::previous_consent`]); nothing otherwise.
///
/// - An opt-out made here (now `UNSUBSCRIBED`, before anything else) sends `unsubscribed`, so a
///   person who withdrew consent here stops receiving campaigns there.
/// - A renewed opt-in made here (now `SUBSCRIBED` or `PENDING`, before `UNSUBSCRIBED` or
///   `CLEANED`) sends `pending`: Mailchimp emails a confirmation request and the member is
///   subscribed only when the person confirms (its `subscribe` webhook then reports it). A member
///   who left can come back only through `pending` ("Member In Compliance State" answers
///   anything else), and an opt-in recorded by a user here is not proof enough to force
///   `subscribed`.
///
/// Sent once: after a delivery the consent is what Mailchimp last received, and a consent change
/// Mailchimp reported itself (its webhooks) is recorded as received, so a member who signs up
/// again or leaves through Mailchimp is never overruled by an unrelated change here. Never
/// `subscribed`.
pub fn status_to_send(contact: &SyncContact) -> Option<&'static str> {
    use EmailConsent as C;
    let before = contact.previous_consent?;
    match (before, contact.consent) {
        (C::Unsubscribed, C::Unsubscribed) => None,
        (_, C::Unsubscribed) => Some("unsubscribed"),
        (C::Unsubscribed | C::Cleaned, C::Subscribed | C::Pending) => Some("pending"),
        _ => None,
    }
}

/// The body of `PUT` (create or update) and `PATCH` (update only) on a member. `status` only
/// for a consent change made here ([`status_to_send`]); no `tags` (they are not part of this call).
#[derive(Debug, Serialize)]
pub(crate) struct MemberBody<'a> {
    email_address: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_if_new: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    merge_fields: Map<String, Value>,
}

impl<'a> MemberBody<'a> {
    /// The body for `email` with the contact's merge fields; `status_if_new` only for `PUT`.
    pub(crate) fn new(
        email: &'a str,
        status_if_new: Option<&'static str>,
        contact: &SyncContact,
        config: &MailchimpConfig,
    ) -> Self {
        Self {
            email_address: email,
            status_if_new,
            status: status_to_send(contact),
            merge_fields: merge_fields(contact, config),
        }
    }
}

/// `FNAME`, `LNAME`, the phone and the relationship merge fields. Absent values are sent blank
/// so that a name or number removed here is removed there too.
pub(crate) fn merge_fields(contact: &SyncContact, config: &MailchimpConfig) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert(
        "FNAME".into(),
        Value::from(contact.first_name.as_str().to_owned()),
    );
    fields.insert(
        "LNAME".into(),
        Value::from(
            contact
                .last_name
                .as_ref()
                .map_or_else(String::new, |n| n.as_str().to_owned()),
        ),
    );
    if let Some(tag) = &config.phone_merge_field {
        let phone = contact
            .phones
            .first()
            .map_or_else(String::new, |p| p.number.as_str().to_owned());
        fields.insert(tag.clone(), Value::from(phone));
    }
    fields.insert(
        config.relationship_merge_field.clone(),
        Value::from(contact.relationship.as_str()),
    );
    fields
}

/// The body of `POST …/members/{hash}/tags`: the relationship's tag active and the other one
/// inactive, in one call. `is_syncing` keeps Mailchimp automations from firing on a data sync.
#[derive(Debug, Serialize)]
pub(crate) struct TagsBody<'a> {
    tags: [TagChange<'a>; 2],
    is_syncing: bool,
}

#[derive(Debug, Serialize)]
struct TagChange<'a> {
    name: &'a str,
    status: &'static str,
}

impl<'a> TagsBody<'a> {
    pub(crate) fn for_relationship(
        relationship: RelationshipType,
        config: &'a MailchimpConfig,
    ) -> Self {
        let other = match relationship {
            RelationshipType::Client => RelationshipType::Customer,
            RelationshipType::Customer => RelationshipType::Client,
        };
        Self {
            tags: [
                TagChange {
                    name: config.tag_for(relationship).trim(),
                    status: "active",
                },
                TagChange {
                    name: config.tag_for(other).trim(),
                    status: "inactive",
                },
            ],
            is_syncing: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use rapport_integrations::testing::sync_contact;
    use secrecy::SecretString;

    use super::*;

    fn config() -> MailchimpConfig {
        MailchimpConfig::new(SecretString::from("k-us1"), "list1")
    }

    #[test]
    fn only_a_consent_change_made_here_since_the_last_delivery_sends_a_status() {
        let sent = |consent, previous| {
            let mut contact = rapport_integrations::testing::sync_contact(1);
            contact.consent = consent;
            contact.previous_consent = previous;
            status_to_send(&contact)
        };
        use EmailConsent as C;
        // Every cell of the table: (consent now, consent Mailchimp last received) → status.
        for now in C::ALL {
            for before in C::ALL {
                let expected = match (*before, *now) {
                    (C::Subscribed | C::Pending | C::None | C::Cleaned, C::Unsubscribed) => {
                        Some("unsubscribed")
                    }
                    (C::Unsubscribed | C::Cleaned, C::Subscribed | C::Pending) => Some("pending"),
                    _ => None,
                };
                assert_eq!(sent(*now, Some(*before)), expected, "{before:?} → {now:?}");
            }
            // Never delivered: the member is created with `status_if_new` or left alone.
            assert_eq!(sent(*now, None), None, "{now:?}, never delivered");
        }
        // The cells that matter most, spelled out.
        assert_eq!(
            sent(C::Unsubscribed, Some(C::Subscribed)),
            Some("unsubscribed")
        );
        assert_eq!(sent(C::Subscribed, Some(C::Unsubscribed)), Some("pending"));
        assert_eq!(sent(C::Subscribed, Some(C::Subscribed)), None);
        assert_eq!(sent(C::Subscribed, Some(C::None)), None);
        assert_eq!(sent(C::Unsubscribed, Some(C::Unsubscribed)), None);
    }

    #[test]
    fn consent_maps_to_status_if_new_and_never_asked_or_bounced_creates_nobody() {
        let mapped: Vec<_> = EmailConsent::ALL
            .iter()
            .map(|c| (c.as_str(), status_if_new(*c)))
            .collect();
        assert_eq!(
            mapped,
            [
                ("SUBSCRIBED", Some("subscribed")),
                ("PENDING", Some("pending")),
                ("UNSUBSCRIBED", Some("unsubscribed")),
                ("CLEANED", None),
                ("NONE", None),
            ]
        );
    }

    #[test]
    fn the_member_body_has_merge_fields_and_neither_status_nor_tags() {
        let contact = sync_contact(7);
        let config = config();
        let body = serde_json::to_value(MemberBody::new(
            "ada7@example.com",
            Some("pending"),
            &contact,
            &config,
        ))
        .expect("serializable");
        assert_eq!(
            body,
            serde_json::json!({
                "email_address": "ada7@example.com",
                "status_if_new": "pending",
                "merge_fields": {
                    "FNAME": "Ada 7",
                    "LNAME": "Lovelace",
                    "PHONE": "+33600000007",
                    "RELTYPE": "CUSTOMER",
                },
            })
        );
    }

    #[test]
    fn a_removed_last_name_and_phone_are_sent_blank_and_no_phone_field_when_configured_off() {
        let mut contact = sync_contact(1);
        contact.last_name = None;
        contact.phones.clear();
        let mut config = config();
        let fields = merge_fields(&contact, &config);
        assert_eq!(
            (fields["LNAME"].as_str(), fields["PHONE"].as_str()),
            (Some(""), Some(""))
        );
        config.phone_merge_field = None;
        assert!(!merge_fields(&contact, &config).contains_key("PHONE"));
    }

    #[test]
    fn the_tags_body_sets_the_relationship_tag_active_and_the_other_inactive() {
        let config = config();
        let body = serde_json::to_value(TagsBody::for_relationship(
            RelationshipType::Client,
            &config,
        ))
        .expect("serializable");
        assert_eq!(
            body,
            serde_json::json!({
                "tags": [
                    {"name": "client", "status": "active"},
                    {"name": "customer", "status": "inactive"},
                ],
                "is_syncing": true,
            })
        );
    }
}
