use chrono::NaiveDate;

use crate::error::ValidationError;

/// The type a custom field's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomFieldType {
    /// Any single-line text up to 500 characters.
    Text,
    /// An exact decimal number (`-12.50`), never a float.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An ISO 8601 calendar date (`2026-11-22`).
    Date,
}

impl CustomFieldType {
    /// Wire name (`NUMBER`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "TEXT",
            Self::Number => "NUMBER",
            Self::Boolean => "BOOLEAN",
            Self::Date => "DATE",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        [Self::Text, Self::Number, Self::Boolean, Self::Date]
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| {
                ValidationError::new("type", format!("unknown custom field type `{raw}`"))
            })
    }
}

/// One typed key/value on a contact. The value is kept in its canonical text form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomField {
    key: String,
    kind: CustomFieldType,
    value: String,
}

impl CustomField {
    /// Parses a field: the key is `lower_snake_case` (1–40 characters, starting with a letter)
    /// and the value must fit the type.
    pub fn parse(key: &str, kind: CustomFieldType, value: &str) -> Result<Self, ValidationError> {
        let key_ok = key.len() <= 40
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(ValidationError::new(
                "key",
                format!(
                    "`{key}` must be lower_snake_case, 1 to 40 characters, starting with a letter"
                ),
            ));
        }
        let value = value.trim();
        let bad = |what: &str| ValidationError::new("value", format!("`{value}` is not {what}"));
        let canonical = match kind {
            CustomFieldType::Text => {
                if value.chars().count() > 500 || value.chars().any(char::is_control) {
                    return Err(bad("single-line text of at most 500 characters"));
                }
                value.to_owned()
            }
            CustomFieldType::Number => {
                let digits = value.strip_prefix('-').unwrap_or(value);
                let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
                let ok = !int.is_empty()
                    && int.len() <= 20
                    && frac.len() <= 10
                    && int.chars().all(|c| c.is_ascii_digit())
                    && frac.chars().all(|c| c.is_ascii_digit())
                    && !(digits.contains('.') && frac.is_empty());
                if !ok {
                    return Err(bad("an exact decimal number like -12.50"));
                }
                value.to_owned()
            }
            CustomFieldType::Boolean => match value {
                "true" | "false" => value.to_owned(),
                _ => return Err(bad("true or false")),
            },
            CustomFieldType::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| bad("a date like 2026-11-22"))?
                .format("%Y-%m-%d")
                .to_string(),
        };
        Ok(Self {
            key: key.to_owned(),
            kind,
            value: canonical,
        })
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The declared type.
    pub fn kind(&self) -> CustomFieldType {
        self.kind
    }

    /// The value in canonical text form.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// A contact's custom fields: keys unique, at most 50.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomFields(Vec<CustomField>);

impl CustomFields {
    /// Largest number of custom fields on one contact.
    pub const MAX: usize = 50;

    /// Builds the set, refusing a repeated key and reporting errors under `customFields[i]`.
    pub fn parse(
        raw: impl IntoIterator<Item = (String, CustomFieldType, String)>,
    ) -> Result<Self, ValidationError> {
        let mut fields: Vec<CustomField> = Vec::new();
        for (i, (key, kind, value)) in raw.into_iter().enumerate() {
            let at = format!("customFields[{i}]");
            let field = CustomField::parse(&key, kind, &value).map_err(|e| e.within(&at))?;
            if fields.iter().any(|f| f.key == field.key) {
                return Err(ValidationError::new(
                    format!("{at}.key"),
                    format!("`{key}` is repeated"),
                ));
            }
            fields.push(field);
        }
        if fields.len() > Self::MAX {
            return Err(ValidationError::new(
                "customFields",
                format!("at most {} fields", Self::MAX),
            ));
        }
        Ok(Self(fields))
    }

    /// The fields in order.
    pub fn as_slice(&self) -> &[CustomField] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_against_their_type() {
        assert!(CustomField::parse("seats", CustomFieldType::Number, "12.50").is_ok());
        assert!(CustomField::parse("seats", CustomFieldType::Number, "1e3").is_err());
        assert!(CustomField::parse("seats", CustomFieldType::Number, "12.").is_err());
        assert!(CustomField::parse("vip", CustomFieldType::Boolean, "yes").is_err());
        assert!(CustomField::parse("since", CustomFieldType::Date, "2026-02-30").is_err());
        assert!(CustomField::parse("since", CustomFieldType::Date, "2026-02-28").is_ok());
    }

    #[test]
    fn a_key_that_is_not_lower_snake_case_is_refused() {
        assert_eq!(
            CustomField::parse("Seats", CustomFieldType::Text, "x")
                .unwrap_err()
                .field,
            "key"
        );
    }

    #[test]
    fn a_repeated_key_is_refused_naming_its_position() {
        let err = CustomFields::parse([
            ("a".to_owned(), CustomFieldType::Text, "x".to_owned()),
            ("a".to_owned(), CustomFieldType::Text, "y".to_owned()),
        ])
        .unwrap_err();
        assert_eq!(err.field, "customFields[1].key");
    }
}
