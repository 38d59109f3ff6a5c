use crate::error::ValidationError;

/// A phone number in E.164 form (`+33612345678`). Spaces, dots, dashes and parentheses in the
/// input are dropped; anything else must be a leading `+` and 8 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number written in international form.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |why: &str| {
            ValidationError::new(
                "number",
                format!("is not an E.164 phone number (like +33612345678): {why}"),
            )
        };
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let Some(digits) = compact.strip_prefix('+') else {
            return Err(invalid("it must start with + and the country code"));
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("only digits may follow the +"));
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(invalid("it must have 8 to 15 digits"));
        }
        if digits.starts_with('0') {
            return Err(invalid("a country code never starts with 0"));
        }
        Ok(Self(compact))
    }

    /// The number with its leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+` (the form telephony providers store).
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of line a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneType {
    /// A mobile phone.
    Mobile,
    /// A work line.
    Work,
    /// A home line.
    Home,
    /// A fax line.
    Fax,
    /// Anything else.
    Other,
}

impl PhoneType {
    /// Wire name (`MOBILE`).
    pub const fn as_str(self) -> &'static str {
        match self {
            PhoneType::Mobile => "MOBILE",
            PhoneType::Work => "WORK",
            PhoneType::Home => "HOME",
            PhoneType::Fax => "FAX",
            PhoneType::Other => "OTHER",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        [Self::Mobile, Self::Work, Self::Home, Self::Fax, Self::Other]
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| ValidationError::new("type", format!("unknown phone type `{raw}`")))
    }
}

/// A typed phone number of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    /// The number.
    pub number: PhoneNumber,
    /// Its kind.
    pub kind: PhoneType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_with_separators_becomes_e164() {
        let n = PhoneNumber::parse("+33 6 12-34.56 (78)").unwrap();
        assert_eq!(n.as_str(), "+33612345678");
        assert_eq!(n.digits(), "33612345678");
    }

    #[test]
    fn numbers_that_are_not_e164_are_refused() {
        for raw in [
            "0612345678",
            "+0612345678",
            "+33 6 12 ab",
            "+1234567",
            "+1234567890123456",
            "",
            "+",
        ] {
            assert!(PhoneNumber::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn phone_types_parse_from_their_wire_names_only() {
        assert_eq!(PhoneType::parse("MOBILE"), Ok(PhoneType::Mobile));
        assert!(PhoneType::parse("mobile").is_err());
    }
}
