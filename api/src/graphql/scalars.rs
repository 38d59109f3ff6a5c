//! Scalars with a meaning.
//!
//! Every scalar's `is_valid` says exactly which JSON values its `parse` accepts, so a wrong
//! value is refused while the document is validated, where async-graphql still knows the
//! argument and input-field path; the HTTP layer turns that refusal into `BAD_USER_INPUT`
//! naming the field (see `coercion`). A value that `is_valid` let through never fails
//! `parse` during execution, where the path would be lost.
//!
//! `EmailAddress`, `PhoneNumber`, `Decimal` and `Date` are kept as the text the client sent
//! and validated by the mutation that receives them, which names the input field and says
//! what is wrong with the value. `DateTime` is parsed here (RFC 3339) because the value is
//! used as a typed instant everywhere.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};

macro_rules! string_scalar {
    ($(#[$doc:meta])* $name:ident, $gql:literal, $url:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        $(#[$doc])*
        #[Scalar(name = $gql, specified_by_url = $url)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                match value {
                    Value::String(s) => Ok($name(s)),
                    other => Err(InputValueError::expected_type(other)),
                }
            }

            fn is_valid(value: &Value) -> bool {
                matches!(value, Value::String(_))
            }

            fn to_value(&self) -> Value {
                Value::String(self.0.clone())
            }
        }
    };
}

string_scalar!(
    /// An email address, a string in RFC 5322 `addr-spec` form (`ada@example.com`): a local
    /// part of 1 to 64 characters, `@`, and a domain name; at most 254 characters, no display
    /// name. Answers keep the case it was sent in; uniqueness and domain routing ignore case.
    EmailScalar, "EmailAddress", "https://datatracker.ietf.org/doc/html/rfc5322#section-3.4.1"
);
string_scalar!(
    /// A phone number, a string in ITU-T E.164 form: `+`, the country code and the subscriber
    /// number, 8 to 15 digits in all (`+33612345678`). Spaces, dots, dashes and brackets in
    /// input are dropped; answers are always compact.
    PhoneScalar, "PhoneNumber", "https://www.itu.int/rec/T-REC-E.164"
);
string_scalar!(
    /// A calendar date without a time or time zone, a string in ISO 8601 extended form
    /// `YYYY-MM-DD` (`2026-11-22`), as RFC 3339's `full-date`.
    DateScalar, "Date", "https://www.iso.org/iso-8601-date-and-time-format.html"
);

/// An exact decimal. Send it as a string (`"1250.00"`); a JSON integer (`120`) is accepted
/// too, because it is exact. A JSON number with a fraction or an exponent (`120.5`, `1e3`) is
/// refused with a message asking for a string: by the time it arrives it has been through
/// binary floating point and may not be the value that was written. Answers are always
/// strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalScalar(pub String);

impl DecimalScalar {
    /// The text of an exact JSON integer, or `None` for any other number.
    fn integer_text(n: &async_graphql::Number) -> Option<String> {
        n.as_i64()
            .map(|i| i.to_string())
            .or_else(|| n.as_u64().map(|u| u.to_string()))
    }
}

/// An exact decimal number, as a string of digits with an optional `-` sign and `.` fraction
/// (`"1250.00"`, `"-12.5"`); no exponent, no thousands separator. Used for amounts of money
/// (with a separate ISO 4217 currency), targets and percentages. A JSON integer (`120`) is
/// accepted too, because it is exact; a JSON number with a fraction or an exponent (`120.5`,
/// `1e3`) is refused: it has been through binary floating point and may not be the value that
/// was written. Answers are always strings.
#[Scalar(name = "Decimal")]
impl ScalarType for DecimalScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Ok(DecimalScalar(s.clone())),
            Value::Number(n) => Self::integer_text(n).map(DecimalScalar).ok_or_else(|| {
                InputValueError::custom(
                    "send a decimal with a fraction as a string (\"120.50\"), not a JSON number",
                )
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        match value {
            Value::String(_) => true,
            Value::Number(n) => Self::integer_text(n).is_some(),
            _ => false,
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An instant, RFC 3339 with an offset (`2026-11-22T09:30:00Z`), normalized to UTC. Answers
/// are always in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTimeScalar(pub DateTime<Utc>);

impl DateTimeScalar {
    fn parse_text(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

impl From<DateTime<Utc>> for DateTimeScalar {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at)
    }
}

/// An instant, a string in RFC 3339 `date-time` form with a time-zone offset
/// (`2026-11-22T09:30:00Z`, `2026-11-22T10:30:00+01:00`); fractions of a second are allowed.
/// Normalized to UTC: answers are always in UTC (`2026-11-22T09:30:00+00:00`).
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTimeScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Self::parse_text(s).map(DateTimeScalar).ok_or_else(|| {
                InputValueError::custom(format!(
                    "`{s}` is not an RFC 3339 date and time like 2026-11-22T09:30:00Z"
                ))
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if Self::parse_text(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(raw: &str) -> Value {
        Value::Number(serde_json::from_str(raw).expect("a JSON number"))
    }

    #[test]
    fn a_decimal_is_a_string_or_an_exact_json_integer() {
        for (value, text) in [
            (Value::String("120.50".into()), "120.50"),
            (number("120"), "120"),
            (number("-7"), "-7"),
            (number("18446744073709551615"), "18446744073709551615"),
        ] {
            assert!(DecimalScalar::is_valid(&value), "{value}");
            assert_eq!(
                DecimalScalar::parse(value).map(|d| d.0).ok().as_deref(),
                Some(text)
            );
        }
        for value in [
            number("120.5"),
            number("1e3"),
            number("100000000000000000000000"),
            Value::Boolean(true),
            Value::List(vec![]),
        ] {
            assert!(!DecimalScalar::is_valid(&value), "{value}");
            assert!(DecimalScalar::parse(value).is_err());
        }
    }

    #[test]
    fn a_date_time_is_rfc_3339_and_comes_back_in_utc() {
        let parsed = DateTimeScalar::parse(Value::String("2026-11-22T10:30:00+01:00".into()))
            .expect("parses");
        assert_eq!(
            parsed.to_value(),
            Value::String("2026-11-22T09:30:00+00:00".into())
        );
        for bad in [
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-22",
            "2026-11-22T09:30:00",
            "",
        ] {
            let value = Value::String(bad.into());
            assert!(!DateTimeScalar::is_valid(&value), "{bad}");
            assert!(DateTimeScalar::parse(value).is_err(), "{bad}");
        }
        assert!(!DateTimeScalar::is_valid(&number("1700000000")));
    }

    #[test]
    fn string_scalars_take_only_strings() {
        for value in [number("1"), Value::Boolean(false), Value::Null] {
            assert!(!EmailScalar::is_valid(&value));
            assert!(!PhoneScalar::is_valid(&value));
            assert!(!DateScalar::is_valid(&value));
        }
    }
}
