use crate::error::ValidationError;

/// Trimmed text that is neither empty nor longer than a limit, and holds no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(String);

impl Text {
    /// Parses `raw` for `field`, refusing blank text, text over `max_chars`, and control
    /// characters (newlines and tabs included when `multiline` is false).
    pub fn parse(
        field: &str,
        raw: &str,
        max_chars: usize,
        multiline: bool,
    ) -> Result<Self, ValidationError> {
        Self::check(field, raw, max_chars, multiline).map(|trimmed| Self(trimmed.to_owned()))
    }

    /// As [`Text::parse`], keeping `raw`'s allocation when it needs no trimming (text read
    /// back from storage, parsed once per row).
    pub fn parse_owned(
        field: &str,
        raw: String,
        max_chars: usize,
        multiline: bool,
    ) -> Result<Self, ValidationError> {
        let trimmed = Self::check(field, &raw, max_chars, multiline)?;
        if trimmed.len() == raw.len() {
            return Ok(Self(raw));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The trimmed text, when it is valid.
    fn check<'a>(
        field: &str,
        raw: &'a str,
        max_chars: usize,
        multiline: bool,
    ) -> Result<&'a str, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new(field, "must not be blank"));
        }
        let count = trimmed.chars().count();
        if count > max_chars {
            return Err(ValidationError::new(
                field,
                format!("must be at most {max_chars} characters (got {count})"),
            ));
        }
        let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\t'));
        if !trimmed.chars().all(allowed) {
            return Err(ValidationError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(trimmed)
    }

    /// A short single-line name (up to 200 characters).
    pub fn name(field: &str, raw: &str) -> Result<Self, ValidationError> {
        Self::parse(field, raw, 200, false)
    }

    /// As [`Text::name`], keeping `raw`'s allocation when it needs no trimming.
    pub fn name_owned(field: &str, raw: String) -> Result<Self, ValidationError> {
        Self::parse_owned(field, raw, 200, false)
    }

    /// A free-text reason (up to 2,000 characters, line breaks allowed).
    pub fn reason(field: &str, raw: &str) -> Result<Self, ValidationError> {
        Self::parse(field, raw, 2_000, true)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed() {
        assert_eq!(
            Text::name("name", "  Acme  ").map(Text::into_string),
            Ok("Acme".into())
        );
    }

    #[test]
    fn owned_text_is_trimmed_and_checked_like_borrowed_text() {
        for raw in ["Acme", "  Acme  ", "   ", "a\nb", "abcd"] {
            assert_eq!(
                Text::parse_owned("name", raw.to_owned(), 3, false),
                Text::parse("name", raw, 3, false),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn blank_text_is_refused_naming_the_field() {
        let err = Text::name("name", "   ").unwrap_err();
        assert_eq!(err.field, "name");
    }

    #[test]
    fn text_over_the_limit_is_refused() {
        assert!(Text::parse("name", "abcd", 3, false).is_err());
        assert!(Text::parse("name", "abc", 3, false).is_ok());
    }

    #[test]
    fn a_newline_is_refused_in_a_name_but_kept_in_a_reason() {
        assert!(Text::name("name", "a\nb").is_err());
        assert!(Text::reason("reason", "a\nb").is_ok());
    }
}
