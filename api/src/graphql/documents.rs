//! Parsed documents kept by their text, so a document a client sends again (every page of a
//! list, every poll of a dashboard) is not parsed and checked again.
//!
//! Parsing is a tenth of a list page's instructions (async-graphql's parser is a pest
//! grammar); cloning the kept document is a small part of that. Only documents that passed
//! every check that depends on the text alone are kept (the token count, the guard's bounds,
//! the introspection switch), so a hit needs only the checks that depend on the variables (the
//! cost model). A refused or unparsable document is never kept: it is refused again in full.
//! The cache is bounded twice, by entries (`graphql.document_cache_size`, least recently used
//! out first) and by the length of a text kept ([`MAX_TEXT`]): longer ones are parsed every time.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// The longest document text kept, in bytes. A parsed document takes several times its text,
/// so the cache holds at most about `document_cache_size` × 10 × this.
pub const MAX_TEXT: usize = 4096;

/// Documents that passed the checks on their text, by text.
pub(super) struct Documents {
    entries: Option<Mutex<LruCache<String, ExecutableDocument>>>,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self
            .entries
            .as_ref()
            .map(|m| m.lock().map_or(0, |c| c.len()));
        f.debug_struct("Documents").field("len", &len).finish()
    }
}

impl Documents {
    /// A cache of at most `capacity` documents; none (every document parsed) when 0.
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            entries: NonZeroUsize::new(capacity).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    /// The kept document of `text`, as a copy the executor may own.
    pub(super) fn get(&self, text: &str) -> Option<ExecutableDocument> {
        let entries = self.entries.as_ref()?;
        if text.len() > MAX_TEXT {
            return None;
        }
        let mut entries = entries.lock().ok()?;
        entries.get(text).cloned()
    }

    /// Keeps `doc`, parsed from `text`, which passed every check on its text.
    pub(super) fn keep(&self, text: &str, doc: &ExecutableDocument) {
        let Some(entries) = self.entries.as_ref() else {
            return;
        };
        if text.len() > MAX_TEXT {
            return;
        }
        if let Ok(mut entries) = entries.lock() {
            entries.put(text.to_owned(), doc.clone());
        }
    }

    /// Documents kept now.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries
            .as_ref()
            .map_or(0, |m| m.lock().map_or(0, |c| c.len()))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Request, Variables};

    use super::*;
    use crate::config::GraphqlSettings;
    use crate::graphql::build_schema;

    const PAGE: &str =
        "query Page($n: Int) { contacts(first: $n) { edges { node { id firstName } } } }";

    fn page(n: i64) -> Request {
        Request::new(PAGE).variables(Variables::from_json(serde_json::json!({ "n": n })))
    }

    #[test]
    fn a_document_sent_again_is_taken_from_the_cache_and_its_cost_is_still_checked() {
        // A limit that a page of 10 contacts is under and a full page over.
        let schema = build_schema(&GraphqlSettings {
            max_complexity: 100,
            ..GraphqlSettings::default()
        });
        assert_eq!(schema.documents_kept(), 0);
        schema.prepare(page(10)).expect("a small page passes");
        assert_eq!(schema.documents_kept(), 1, "kept after passing");
        // The same text with a page whose cost is past the limit: refused on the hit too.
        let refused = schema
            .prepare(page(i64::from(crate::graphql::pagination::MAX_PAGE)))
            .expect_err("too costly");
        assert!(
            refused.message.contains("too complex"),
            "{}",
            refused.message
        );
        let mut again = schema.prepare(page(10)).expect("passes again");
        let kept = again.parsed_query().expect("parsed");
        assert_eq!(kept.operations.iter().count(), 1);
    }

    #[test]
    fn refused_and_unparsable_documents_are_never_kept() {
        let schema = build_schema(&GraphqlSettings {
            introspection: false,
            ..GraphqlSettings::default()
        });
        for text in [
            "{ __schema { types { name } } }",
            "{ contacts(first: ",
            "{ viewer { nope } ",
        ] {
            for _ in 0..2 {
                assert!(schema.prepare(Request::new(text)).is_err(), "{text}");
            }
        }
        assert_eq!(schema.documents_kept(), 0);
    }

    #[test]
    fn the_cache_is_bounded_by_entries_and_by_text_length() {
        let docs = Documents::new(2);
        let doc = |t: &str| async_graphql::parser::parse_query(t).expect("parses");
        for t in ["{ a }", "{ b }", "{ c }"] {
            docs.keep(t, &doc(t));
        }
        assert_eq!(docs.len(), 2);
        assert!(docs.get("{ a }").is_none(), "least recently used out first");
        assert!(docs.get("{ c }").is_some());
        let long = format!("{{ a {} }}", " ".repeat(MAX_TEXT));
        docs.keep(&long, &doc(&long));
        assert!(
            docs.get(&long).is_none(),
            "texts over {MAX_TEXT} bytes are not kept"
        );
        let off = Documents::new(0);
        off.keep("{ a }", &doc("{ a }"));
        assert!(off.get("{ a }").is_none());
        assert_eq!(off.len(), 0);
    }
}
