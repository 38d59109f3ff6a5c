//! The subscriber hash: Mailchimp's key for an audience member.

use md5::{Digest as _, Md5};
use rapport_domain::values::EmailAddress;

/// Mailchimp's key for a member: the lowercase hex MD5 of the trimmed, lowercased address.
///
/// It is also what this provider reports as the contact's external id and as its
/// [`email_key`](rapport_integrations::ContactSync::email_key), so an erased contact can still be
/// found at Mailchimp without keeping its address. A stored key is read back with
/// [`SubscriberHash::parse`], which refuses anything that is not 32 hex digits: a key ends up in a
/// URL path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriberHash(String);

impl SubscriberHash {
    /// The hash of an address. [`EmailAddress`] is already trimmed; Mailchimp lowercases before
    /// hashing, so two spellings of one address are one member.
    pub fn of(email: &EmailAddress) -> Self {
        let digest = Md5::digest(email.normalized().as_bytes());
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Reads a stored key (an external id, a last-known email key): 32 hex digits, any case.
    pub fn parse(raw: &str) -> Result<Self, InvalidSubscriberHash> {
        let raw = raw.trim();
        if raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(raw.to_ascii_lowercase()))
        } else {
            Err(InvalidSubscriberHash)
        }
    }

    /// The 32 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hash, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for SubscriberHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored key that is not a subscriber hash (32 hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a Mailchimp subscriber hash (32 hex digits)")]
pub struct InvalidSubscriberHash;

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).expect("a valid address")
    }

    #[test]
    fn the_hash_is_the_md5_of_the_lowercased_address() {
        // The example of Mailchimp's documentation.
        assert_eq!(
            SubscriberHash::of(&email("Urist.McVankab@FreddiesJokes.com")).as_str(),
            "62eeb292278cc15f5817cb78f7790b08"
        );
        assert_eq!(
            SubscriberHash::of(&email(" ada@example.com ")),
            SubscriberHash::of(&email("ADA@Example.com"))
        );
    }

    #[test]
    fn a_stored_key_is_read_back_only_when_it_is_32_hex_digits() {
        assert_eq!(
            SubscriberHash::parse("62EEB292278CC15F5817CB78F7790B08")
                .map(SubscriberHash::into_string),
            Ok("62eeb292278cc15f5817cb78f7790b08".to_owned())
        );
        for raw in [
            "",
            "ext-1",
            "62eeb292278cc15f5817cb78f7790b0",
            "../../lists/x/members/abcd12",
        ] {
            assert_eq!(
                SubscriberHash::parse(raw),
                Err(InvalidSubscriberHash),
                "{raw}"
            );
        }
    }
}
