//! Exact money: a decimal amount and an ISO 4217 currency. Never a float.

use rust_decimal::Decimal;

use crate::error::ValidationError;

/// An ISO 4217 currency code: three uppercase ASCII letters (`EUR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code; lowercase is refused rather than guessed.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
        let bytes = raw.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(ValidationError::new(
                field,
                format!("`{raw}` is not an ISO 4217 currency code like EUR"),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        // Constructed only from three ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exact amount in one currency, with at most 2 decimal places for storage and display
/// (amounts computed with more precision are rounded by the code that computes them, which
/// states its rounding rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Most decimal places an amount may carry.
    pub const SCALE: u32 = 2;

    /// Parses an amount given as a decimal string (`"1250.00"`) for `field`; negative amounts
    /// and more than two decimal places are refused.
    pub fn parse(field: &str, amount: &str, currency: &str) -> Result<Self, ValidationError> {
        let plain = amount.trim();
        let well_formed = plain
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            && plain.chars().filter(|c| *c == '.').count() <= 1
            && plain.chars().any(|c| c.is_ascii_digit());
        let parsed = if well_formed {
            plain.parse::<Decimal>().ok()
        } else {
            None
        };
        let amount: Decimal = parsed.ok_or(()).map_err(|()| {
            ValidationError::new(
                format!("{field}.amount"),
                format!("`{amount}` is not a decimal amount like 1250.00"),
            )
        })?;
        if amount.is_sign_negative() {
            return Err(ValidationError::new(
                format!("{field}.amount"),
                "must not be negative",
            ));
        }
        if amount.scale() > Self::SCALE {
            return Err(ValidationError::new(
                format!("{field}.amount"),
                "must have at most 2 decimal places",
            ));
        }
        Ok(Self {
            amount,
            currency: Currency::parse(&format!("{field}.currency"), currency)?,
        })
    }

    /// A non-negative amount already computed in code (rounded to cents, half away from zero).
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        let amount = amount.max(Decimal::ZERO).round_dp_with_strategy(
            Self::SCALE,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        );
        Self { amount, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// The amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as a string with exactly two decimals (`"1250.00"`).
    pub fn amount_string(&self) -> String {
        let mut a = self.amount;
        a.rescale(Self::SCALE);
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_keeps_exact_cents() {
        let m = Money::parse("fee", "1250.1", "EUR").expect("valid");
        assert_eq!(m.amount_string(), "1250.10");
        assert_eq!(m.currency().as_str(), "EUR");
    }

    #[test]
    fn fractions_of_a_cent_negative_amounts_and_bad_codes_are_refused() {
        assert_eq!(
            Money::parse("fee", "1.005", "EUR").unwrap_err().field,
            "fee.amount"
        );
        assert_eq!(
            Money::parse("fee", "-1", "EUR").unwrap_err().field,
            "fee.amount"
        );
        assert_eq!(
            Money::parse("fee", "1e3", "EUR").unwrap_err().field,
            "fee.amount"
        );
        assert_eq!(
            Money::parse("fee", "1", "eur").unwrap_err().field,
            "fee.currency"
        );
    }

    #[test]
    fn computed_amounts_round_half_away_from_zero_to_the_cent() {
        let eur = Currency::parse("c", "EUR").expect("code");
        assert_eq!(
            Money::new(Decimal::new(12345, 3), eur).amount_string(),
            "12.35"
        );
        assert_eq!(
            Money::new(Decimal::new(12344, 3), eur).amount_string(),
            "12.34"
        );
    }
}
