use crate::error::ValidationError;

/// A contact's tags: trimmed, non-empty, at most 50 characters each, at most 50 in all,
/// duplicates (ignoring case) dropped, first spelling kept, order kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<String>);

impl Tags {
    /// Largest number of tags on one contact.
    pub const MAX: usize = 50;

    /// Parses a list of tags.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, ValidationError> {
        let mut tags: Vec<String> = Vec::with_capacity(raw.len());
        for (i, tag) in raw.iter().enumerate() {
            let tag = tag.as_ref().trim();
            // The field's name is written only for an error: every stored contact's tags
            // pass through here when it is read.
            let field = || format!("tags[{i}]");
            if tag.is_empty() {
                return Err(ValidationError::new(field(), "must not be blank"));
            }
            if tag.chars().count() > 50 || tag.chars().any(char::is_control) {
                return Err(ValidationError::new(
                    field(),
                    "must be at most 50 characters without control characters",
                ));
            }
            if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                tags.push(tag.to_owned());
            }
        }
        if tags.len() > Self::MAX {
            return Err(ValidationError::new(
                "tags",
                format!("at most {} tags", Self::MAX),
            ));
        }
        Ok(Self(tags))
    }

    /// The tags in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The tags, owned.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_tags_ignoring_case_are_dropped() {
        let tags = Tags::parse(&["VIP", " vip ", "renewal"]).unwrap();
        assert_eq!(tags.as_slice(), ["VIP", "renewal"]);
    }

    #[test]
    fn a_blank_tag_is_refused_naming_its_position() {
        assert_eq!(Tags::parse(&["a", " "]).unwrap_err().field, "tags[1]");
    }

    #[test]
    fn more_than_fifty_tags_are_refused() {
        let many: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
        assert!(Tags::parse(&many).is_err());
    }
}
