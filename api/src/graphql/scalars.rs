//! String scalars with a meaning. Input values are accepted as strings here and validated by
//! the mutation that receives them, so a bad value is refused as `BAD_USER_INPUT` naming the
//! input field rather than as a generic coercion error.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

macro_rules! string_scalar {
    ($(#[$doc:meta])* $name:ident, $gql:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        #[Scalar(name = $gql)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                match value {
                    Value::String(s) => Ok($name(s)),
                    other => Err(InputValueError::expected_type(other)),
                }
            }

            fn to_value(&self) -> Value {
                Value::String(self.0.clone())
            }
        }
    };
}

string_scalar!(
    /// An email address (`ada@example.com`), original case kept.
    EmailScalar, "EmailAddress"
);
string_scalar!(
    /// A phone number in E.164 form (`+33612345678`).
    PhoneScalar, "PhoneNumber"
);

string_scalar!(
    /// An exact decimal as a string (`"1250.00"`); never a float.
    DecimalScalar, "Decimal"
);
string_scalar!(
    /// An ISO 8601 calendar date (`2026-11-22`).
    DateScalar, "Date"
);
