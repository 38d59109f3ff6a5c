use chrono::{DateTime, Utc};

use super::EmailConsent;
use crate::error::{DomainError, ValidationError};
use crate::ids::{AccountId, ContactId};
use crate::values::{CustomFields, EmailAddress, Phone, Tags, Text};

/// The personal details of a contact, validated together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    /// Given name.
    pub first_name: Text,
    /// Family name.
    pub last_name: Option<Text>,
    /// Email address (unique among live contacts, by its lowercased form).
    pub email: Option<EmailAddress>,
    /// Phone numbers, no number twice.
    pub phones: Vec<Phone>,
    /// Role at the account (decision maker, billing, …).
    pub job_role: Option<Text>,
    /// Email-marketing consent.
    pub email_consent: EmailConsent,
    /// Tags.
    pub tags: Tags,
    /// Typed custom fields.
    pub custom_fields: CustomFields,
}

impl ContactDetails {
    /// Checks the rules that span fields: consent other than `NONE` needs an email address,
    /// no number appears twice, at most 10 numbers.
    pub fn check(self) -> Result<Self, ValidationError> {
        if self.email.is_none() && self.email_consent != EmailConsent::None {
            return Err(ValidationError::new(
                "emailConsent",
                "must be NONE when the contact has no email address",
            ));
        }
        if self.phones.len() > 10 {
            return Err(ValidationError::new("phones", "at most 10 phone numbers"));
        }
        for (i, phone) in self.phones.iter().enumerate() {
            if self.phones[..i].iter().any(|p| p.number == phone.number) {
                return Err(ValidationError::new(
                    format!("phones[{i}].number"),
                    format!("{} is listed twice", phone.number),
                ));
            }
        }
        Ok(self)
    }
}

/// Every stored field of a contact. Erased contacts have no details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactParts {
    /// Identity.
    pub id: ContactId,
    /// The account the contact belongs to.
    pub account: AccountId,
    /// Personal details; `None` once erased.
    pub details: Option<ContactDetails>,
    /// When the personal data was erased (the tombstone).
    pub erased_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// Its id in the system it was imported from, if any.
    pub external: Option<crate::values::ExternalRef>,
}

/// A contact. Once erased, only the tombstone remains and nothing may change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact(ContactParts);

impl Contact {
    /// Rebuilds a contact from storage; details and tombstone are exclusive.
    pub fn restore(parts: ContactParts) -> Result<Self, DomainError> {
        if parts.details.is_some() == parts.erased_at.is_some() {
            return Err(DomainError::invalid(
                "contact",
                "a stored contact has either details or an erasure time, not both or neither",
            ));
        }
        Ok(Self(parts))
    }

    /// Every field.
    pub fn parts(&self) -> &ContactParts {
        &self.0
    }

    /// Every field, owned.
    pub fn into_parts(self) -> ContactParts {
        self.0
    }

    /// Identity.
    pub fn id(&self) -> ContactId {
        self.0.id
    }

    /// Whether the personal data was erased.
    pub fn is_erased(&self) -> bool {
        self.0.erased_at.is_some()
    }

    fn ensure_not_erased(&self, action: &'static str) -> Result<(), DomainError> {
        if self.is_erased() {
            return Err(DomainError::transition(
                "ERASED",
                action,
                "the contact's personal data was erased",
            ));
        }
        Ok(())
    }

    /// The current details, for building an update; refused once erased.
    pub fn editable_details(&self) -> Result<&ContactDetails, DomainError> {
        self.ensure_not_erased("update the contact")?;
        self.0
            .details
            .as_ref()
            .ok_or_else(|| DomainError::transition("ERASED", "update the contact", "no details"))
    }

    /// Replaces the details and/or moves the contact to another account.
    pub fn update(
        &mut self,
        account: AccountId,
        details: ContactDetails,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.ensure_not_erased("update the contact")?;
        self.0.account = account;
        self.0.details = Some(details.check()?);
        self.0.updated_at = now;
        Ok(())
    }

    /// Right to be forgotten: drops every personal detail and keeps a tombstone (id, account,
    /// erasure time) so the erasure itself can be shown and propagated.
    pub fn erase(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.ensure_not_erased("erase the contact")?;
        self.0.details = None;
        self.0.erased_at = Some(now);
        self.0.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::values::{PhoneNumber, PhoneType};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .single()
            .expect("time")
    }

    fn details() -> ContactDetails {
        ContactDetails {
            first_name: Text::name("firstName", "Ada").expect("name"),
            last_name: None,
            email: Some(EmailAddress::parse("ada@example.com").expect("email")),
            phones: vec![Phone {
                number: PhoneNumber::parse("+33612345678").expect("phone"),
                kind: PhoneType::Mobile,
            }],
            job_role: None,
            email_consent: EmailConsent::Subscribed,
            tags: Tags::default(),
            custom_fields: CustomFields::default(),
        }
    }

    fn contact() -> Contact {
        Contact::restore(ContactParts {
            id: ContactId::new(1),
            account: AccountId::new(1),
            details: Some(details()),
            erased_at: None,
            version: 1,
            created_at: now(),
            updated_at: now(),
            external: None,
        })
        .expect("contact")
    }

    #[test]
    fn consent_without_an_email_address_is_refused() {
        let mut d = details();
        d.email = None;
        assert_eq!(d.check().unwrap_err().field, "emailConsent");
    }

    #[test]
    fn the_same_number_twice_is_refused_naming_the_second() {
        let mut d = details();
        d.phones.push(d.phones[0].clone());
        assert_eq!(d.check().unwrap_err().field, "phones[1].number");
    }

    #[test]
    fn erasing_a_contact_drops_every_personal_detail_and_keeps_a_tombstone() {
        let mut c = contact();
        c.erase(now()).expect("erase");
        assert!(c.is_erased());
        assert_eq!(c.parts().details, None);
        assert_eq!(c.parts().erased_at, Some(now()));
        assert_eq!(c.parts().account, AccountId::new(1));
    }

    #[test]
    fn an_erased_contact_cannot_be_updated_or_erased_again() {
        let mut c = contact();
        c.erase(now()).expect("erase");
        let err = c.update(AccountId::new(1), details(), now()).unwrap_err();
        assert!(
            matches!(err, DomainError::InvalidTransition { ref current, .. } if current == "ERASED")
        );
        assert!(c.erase(now()).is_err());
    }
}
