//! Trusted documents: the operations a client build registered, loaded from the JSON file its
//! build writes.
//!
//! graphql-codegen's client preset (`persistedDocuments: true`, file
//! `persisted-documents.json`) and relay-compiler's `persistConfig.file` write the same shape:
//! one JSON object mapping a document's hash to its text, `{ "<hash>": "<document>" }`. The
//! hash is whatever the build was told to use (codegen: sha1 or sha256; relay: md5, sha1 or
//! sha256); the key is kept as the document's id, and every document is also known by the
//! SHA-256 of its text, which is what Apollo's persisted-query link sends. A key of 64 hex
//! digits is taken for a SHA-256 and must be the SHA-256 of its document.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::sha256_hex;

/// One documents file: every document by its id in the file and by its SHA-256.
#[derive(Debug, Default)]
pub struct DocumentSet {
    by_id: HashMap<String, Arc<str>>,
}

impl DocumentSet {
    /// Reads and checks a documents file. The error names the file and the problem.
    pub fn load(path: &Path) -> Result<Self, String> {
        let named = |problem: String| format!("{}: {problem}", path.display());
        let raw = std::fs::read(path).map_err(|e| named(format!("cannot be read ({e})")))?;
        Self::parse(&raw).map_err(named)
    }

    /// Parses a documents file's contents.
    pub fn parse(raw: &[u8]) -> Result<Self, String> {
        let value: Value =
            serde_json::from_slice(raw).map_err(|e| format!("is not valid JSON ({e})"))?;
        let Value::Object(entries) = value else {
            return Err("must be a JSON object mapping each document's hash to its text".into());
        };
        if entries.is_empty() {
            return Err("holds no documents".into());
        }
        let mut by_id = HashMap::with_capacity(entries.len() * 2);
        for (key, text) in entries {
            let Value::String(text) = text else {
                return Err(format!("the value of `{key}` is not a string (a document)"));
            };
            if let Err(e) = async_graphql::parser::parse_query(&text) {
                return Err(format!("the document `{key}` is not valid GraphQL ({e})"));
            }
            let sha = sha256_hex(&text);
            let key = key.trim().to_owned();
            if key.is_empty() {
                return Err("a document has an empty hash".into());
            }
            if is_sha256(&key) && !key.eq_ignore_ascii_case(&sha) {
                return Err(format!(
                    "`{key}` looks like a SHA-256 but its document hashes to `{sha}`"
                ));
            }
            let text: Arc<str> = text.into();
            by_id.insert(sha, text.clone());
            by_id.insert(key.to_ascii_lowercase(), text);
        }
        Ok(Self { by_id })
    }

    /// The document registered under `id` (its key in the file, or its SHA-256).
    pub fn get(&self, id: &str) -> Option<Arc<str>> {
        self.by_id.get(&id.to_ascii_lowercase()).cloned()
    }

    /// Whether this exact text is registered.
    pub fn contains_text(&self, text: &str) -> bool {
        self.by_id
            .get(&sha256_hex(text))
            .is_some_and(|t| &**t == text)
    }
}

/// Whether `s` is 64 hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: &str = "query Me { me { id } }";

    #[test]
    fn documents_are_found_by_their_key_and_by_their_sha256() {
        let file = format!(r#"{{"abc123": "{Q}"}}"#);
        let set = DocumentSet::parse(file.as_bytes()).expect("parses");
        assert_eq!(set.get("abc123").as_deref(), Some(Q));
        assert_eq!(set.get(&sha256_hex(Q)).as_deref(), Some(Q));
        assert!(set.contains_text(Q));
        assert!(!set.contains_text("query Other { me { id } }"));
    }

    #[test]
    fn a_bad_documents_file_is_refused_naming_the_problem() {
        let cases = [
            ("[]", "must be a JSON object"),
            ("{}", "holds no documents"),
            ("{\"a\": 1}", "`a` is not a string"),
            ("{\"a\": \"query {\"}", "`a` is not valid GraphQL"),
            ("not json", "not valid JSON"),
        ];
        for (raw, expected) in cases {
            let err = DocumentSet::parse(raw.as_bytes()).expect_err(raw);
            assert!(err.contains(expected), "{raw}: {err}");
        }
        let wrong_sha = format!(r#"{{"{}": "{Q}"}}"#, "0".repeat(64));
        let err = DocumentSet::parse(wrong_sha.as_bytes()).expect_err("wrong sha");
        assert!(err.contains("looks like a SHA-256"), "{err}");
    }
}
