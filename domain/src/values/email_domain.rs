use crate::error::ValidationError;

/// An internet domain an account owns (`acme.com`); contacts whose email is on it join the
/// account. Stored lowercased: one domain belongs to one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailDomain(String);

impl EmailDomain {
    /// Parses and lowercases a domain name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let value = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        check_domain(&value).map_err(|why| {
            ValidationError::new("domains", format!("`{raw}` is not a valid domain: {why}"))
        })?;
        Ok(Self(value))
    }

    /// The lowercased domain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a DNS name: dot-separated labels of letters, digits and inner hyphens, with an
/// alphabetic top-level label.
pub(crate) fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() || domain.len() > 253 {
        return Err("the domain must be 1 to 253 characters".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("the domain needs a dot".into());
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(format!("`{label}` is not a valid domain label"));
        }
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err("the top-level domain must be letters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_is_lowercased() {
        assert_eq!(EmailDomain::parse("Acme.COM").unwrap().as_str(), "acme.com");
    }

    #[test]
    fn a_domain_without_a_dot_or_with_bad_labels_is_refused() {
        for raw in ["acme", "acme..com", "-acme.com", "acme.c", "ac me.com", ""] {
            assert!(EmailDomain::parse(raw).is_err(), "{raw}");
        }
    }
}
