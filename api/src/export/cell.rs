//! One exported value and how it is written: as a CSV cell (RFC 4180, with spreadsheet
//! formulas neutralised) or as a JSON value (unchanged).

use std::borrow::Cow;

use serde_json::Value;

/// One exported value.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// No value: an empty cell, `null` in JSON.
    Null,
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A yes/no value.
    Bool(bool),
    /// A list of texts: `;`-separated in CSV, an array in JSON.
    List(Vec<String>),
    /// Structured data: compact JSON text in CSV, the value itself in JSON.
    Json(Value),
}

impl Field {
    /// Text, or null when absent.
    pub fn opt(text: Option<String>) -> Self {
        text.map_or(Field::Null, Field::Text)
    }

    /// The CSV cell, with formulas neutralised ([`neutralise`]).
    pub fn to_cell(&self) -> Cow<'_, str> {
        match self {
            Field::Null => Cow::Borrowed(""),
            Field::Text(t) => neutralise(t),
            Field::Int(n) => Cow::Owned(n.to_string()),
            Field::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Field::List(items) => Cow::Owned(neutralised(items.join(";"))),
            Field::Json(v) => Cow::Owned(neutralised(v.to_string())),
        }
    }

    /// The JSON value (no neutralising: JSON readers do not evaluate formulas).
    pub fn into_json(self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Text(t) => Value::String(t),
            Field::Int(n) => Value::from(n),
            Field::Bool(b) => Value::Bool(b),
            Field::List(items) => Value::from(items),
            Field::Json(v) => v,
        }
    }
}

/// A CSV cell a spreadsheet could run as a formula (it begins with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) gets a leading `'`, which spreadsheets show as text and do not evaluate
/// (OWASP's advice for CSV injection). A plain number such as `-12.5` or `+33612345678` is no
/// formula and is kept as it is, so numbers and E.164 phone numbers still read as themselves.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    let risky = matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if risky && !is_plain_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`neutralise`] of a text the caller owns: kept as it is unless it must change.
fn neutralised(text: String) -> String {
    match neutralise(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(changed) => changed,
    }
}

/// `[+-]digits[.digits]`: a number no spreadsheet reads as a formula.
fn is_plain_number(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mut parts = body.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && parts.next().is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        for risky in [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+SUM(A1:A2)",
            "-2+3",
            "@SUM(A1)",
            "\t=1+1",
            "\r=1+1",
            "=1",
            "-",
            "+",
        ] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
    }

    #[test]
    fn ordinary_text_and_plain_numbers_are_kept_as_they_are() {
        for safe in [
            "Ada",
            "",
            "-12.5",
            "+33612345678",
            "42",
            "a=b",
            "'=already",
            "1-2",
        ] {
            assert_eq!(neutralise(safe), safe, "{safe:?}");
        }
    }

    #[test]
    fn lists_and_json_are_neutralised_as_one_cell_and_json_lines_are_not() {
        let list = Field::List(vec!["=cmd".to_owned(), "b".to_owned()]);
        assert_eq!(list.to_cell(), "'=cmd;b");
        let text = Field::Text("=HYPERLINK(\"x\")".to_owned());
        assert_eq!(text.clone().into_json(), Value::from("=HYPERLINK(\"x\")"));
        assert_eq!(text.to_cell(), "'=HYPERLINK(\"x\")");
    }
}
