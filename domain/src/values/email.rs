use crate::error::ValidationError;

/// A syntactically valid email address. The original spelling is kept for display; the
/// lowercased form is the identity key (one person, one contact; Mailchimp's subscriber hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;

impl EmailAddress {
    /// Parses an address of the form `local@domain.tld`.
    ///
    /// Deliberately stricter than RFC 5322 (no quoted local parts, no IP literals): these are
    /// addresses that marketing and telephony providers accept.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::check(raw).map(|value| Self(value.to_owned()))
    }

    /// As [`EmailAddress::parse`], keeping `raw`'s allocation when it needs no trimming (an
    /// address read back from storage, parsed once per row).
    pub fn parse_owned(raw: String) -> Result<Self, ValidationError> {
        let value = Self::check(&raw)?;
        if value.len() == raw.len() {
            return Ok(Self(raw));
        }
        Ok(Self(value.to_owned()))
    }

    /// The trimmed address, when it is valid.
    fn check(raw: &str) -> Result<&str, ValidationError> {
        let invalid = |why: &str| {
            ValidationError::new("email", format!("is not a valid email address: {why}"))
        };
        let value = raw.trim();
        if value.is_empty() {
            return Err(invalid("it is empty"));
        }
        if value.len() > MAX_LEN {
            return Err(invalid("it is longer than 254 characters"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(invalid("it has no @"));
        };
        if domain.contains('@') {
            return Err(invalid("it has more than one @"));
        }
        if local.is_empty() || local.len() > MAX_LOCAL {
            return Err(invalid("the part before @ must be 1 to 64 characters"));
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid(
                "the part before @ has a character that is not allowed",
            ));
        }
        super::email_domain::check_domain(domain).map_err(|why| invalid(&why))?;
        Ok(value)
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercased address: the key that makes two spellings one person.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The lowercased domain part (what account email domains are matched against).
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_address_is_accepted_and_keeps_its_case() {
        let email = EmailAddress::parse(" Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(email.normalized(), "ada.lovelace@example.com");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn an_owned_address_parses_as_a_borrowed_one() {
        for raw in [
            "ada@example.com",
            " Ada@Example.com ",
            "no-at",
            "a@b@c.com",
            "",
        ] {
            assert_eq!(
                EmailAddress::parse_owned(raw.to_owned()),
                EmailAddress::parse(raw),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn malformed_addresses_are_refused_naming_the_email_field() {
        for raw in [
            "",
            "plain",
            "@example.com",
            "ada@",
            "ada@@example.com",
            "ada@example",
            "ada@-example.com",
            "ada@example..com",
            ".ada@example.com",
            "ada..l@example.com",
            "ada lovelace@example.com",
            "ada@exa_mple.com",
            "ada@example.c0m1",
        ] {
            let err = EmailAddress::parse(raw).expect_err(raw);
            assert_eq!(err.field, "email", "{raw}");
        }
    }

    #[test]
    fn an_overlong_address_is_refused() {
        let raw = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&raw).is_err());
        let raw = format!("a@{}.com", "b".repeat(260));
        assert!(EmailAddress::parse(&raw).is_err());
    }
}
