//! GraphQL operation names as metric labels, bounded: the first `limit` distinct valid names
//! that authenticated callers sent become labels; any later name is `other`, a name that is not
//! a GraphQL name (or longer than 64 characters) is `invalid`, and a document without a name
//! is `anonymous`. Unauthenticated requests never add a name, so a flood of made-up names
//! from outside cannot take the places of the real ones.

use std::collections::HashSet;
use std::sync::RwLock;

/// Folded label for a name past the limit.
pub const OTHER: &str = "other";
/// Folded label for a name that is not a GraphQL name.
pub const INVALID: &str = "invalid";
/// Label for an operation without a name.
pub const ANONYMOUS: &str = "anonymous";

const MAX_NAME: usize = 64;

/// The names admitted as labels so far.
#[derive(Debug)]
pub struct OperationNames {
    limit: usize,
    known: RwLock<HashSet<String>>,
}

fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl OperationNames {
    /// Admits at most `limit` names.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            known: RwLock::default(),
        }
    }

    /// The label for `name`; an unknown valid name is admitted while there is room and
    /// `may_admit` (the caller was authenticated).
    pub fn label(&self, name: Option<&str>, may_admit: bool) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        if name.len() > MAX_NAME || !is_graphql_name(name) {
            return INVALID.to_owned();
        }
        if self.known.read().is_ok_and(|k| k.contains(name)) {
            return name.to_owned();
        }
        if !may_admit {
            return OTHER.to_owned();
        }
        let Ok(mut known) = self.known.write() else {
            return OTHER.to_owned();
        };
        if known.contains(name) || known.len() < self.limit {
            known.insert(name.to_owned());
            name.to_owned()
        } else {
            OTHER.to_owned()
        }
    }
}

/// The operation a request names: `operationName` when given, otherwise the name after the
/// document's first `query`/`mutation`/`subscription` keyword (a cheap look, no parse: a
/// document that starts with a fragment or a comment counts as anonymous).
pub fn operation_name<'a>(operation_name: Option<&'a str>, query: &'a str) -> Option<&'a str> {
    if let Some(name) = operation_name {
        return Some(name);
    }
    let rest = query.trim_start();
    let rest = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|kw| rest.strip_prefix(kw))?;
    if !rest.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_past_the_limit_fold_to_other_and_bad_names_to_invalid() {
        let names = OperationNames::new(2);
        assert_eq!(names.label(Some("A"), true), "A");
        assert_eq!(
            names.label(Some("B"), false),
            OTHER,
            "not admitted unauthenticated"
        );
        assert_eq!(names.label(Some("B"), true), "B");
        assert_eq!(names.label(Some("C"), true), OTHER);
        assert_eq!(
            names.label(Some("A"), false),
            "A",
            "known names stay labels"
        );
        assert_eq!(names.label(Some("no spaces"), true), INVALID);
        assert_eq!(names.label(Some(&"x".repeat(65)), true), INVALID);
        assert_eq!(names.label(None, true), ANONYMOUS);
    }

    #[test]
    fn the_name_comes_from_operation_name_or_the_first_definition() {
        assert_eq!(
            operation_name(Some("Given"), "query Other { a }"),
            Some("Given")
        );
        assert_eq!(
            operation_name(None, " query ListContacts($a: Int) { a }"),
            Some("ListContacts")
        );
        assert_eq!(operation_name(None, "mutation M{ a }"), Some("M"));
        assert_eq!(operation_name(None, "{ a }"), None);
        assert_eq!(operation_name(None, "query { a }"), None);
        assert_eq!(operation_name(None, "queryX { a }"), None);
    }
}
