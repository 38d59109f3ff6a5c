use crate::error::ValidationError;

/// Where a record came from before Rapport: the other system's name (`source`, e.g.
/// `hubspot`) and the record's id there. Unique per source system, so importing the same file
/// twice finds the same records instead of making copies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalRef {
    source: String,
    id: String,
}

/// The longest source name or external id kept.
const MAX_CHARS: usize = 200;

fn part(field: &str, raw: &str) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be blank"));
    }
    if trimmed.chars().count() > MAX_CHARS {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

impl ExternalRef {
    /// Parses a source system's name and an id in it; both trimmed, neither blank nor longer
    /// than 200 characters. The source is compared lowercased (`HubSpot` is `hubspot`); the id
    /// exactly as given.
    pub fn parse(source: &str, id: &str) -> Result<Self, ValidationError> {
        Ok(Self {
            source: part("externalSource", source)?.to_lowercase(),
            id: part("externalId", id)?,
        })
    }

    /// The source system's name, lowercased.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The id in the source system.
    pub fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::ExternalRef;

    #[test]
    fn the_source_is_lowercased_and_the_id_kept_as_given() {
        let r = ExternalRef::parse(" HubSpot ", " Ab-12 ").expect("valid");
        assert_eq!((r.source(), r.id()), ("hubspot", "Ab-12"));
    }

    #[test]
    fn a_blank_id_or_source_is_refused_naming_the_field() {
        assert_eq!(
            ExternalRef::parse("crm", " ").unwrap_err().field,
            "externalId"
        );
        assert_eq!(
            ExternalRef::parse("", "1").unwrap_err().field,
            "externalSource"
        );
    }
}
