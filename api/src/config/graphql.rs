//! Settings of the GraphQL endpoint: limits, tools and persisted documents.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// GraphQL limits and tools.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlSettings {
    /// Allow introspection queries (and serve the SDL).
    pub introspection: bool,
    /// Deepest nesting of data fields (fields under `__schema` / `__type` are not counted).
    pub max_depth: usize,
    /// Deepest nesting of fields under `__schema` / `__type` (introspection), bounded apart
    /// from data so that GraphiQL, codegen and IDE plugins work under the default data limit.
    pub max_introspection_depth: usize,
    /// Highest cost of a query: the most objects its answer can hold, every connection
    /// counted by `first`/`last` (or the default page size) times the objects of one item;
    /// scalars count nothing (the model: `graphql::guard::model`).
    pub max_complexity: usize,
    /// Most selections a document may expand to once its fragments are spread (bounds the
    /// validator's walk, whatever the document asks for).
    pub max_selections: usize,
    /// Most aliases in one document.
    pub max_aliases: usize,
    /// Most directives on one field.
    pub max_directives: usize,
    /// Largest query document, in bytes.
    pub max_query_bytes: usize,
    /// Most lexical tokens in one document (names, punctuation, values), counted before parsing.
    pub max_tokens: usize,
    /// Most fragment definitions in one document.
    pub max_fragments: usize,
    /// Most fragment spreads once every fragment is spread where it is used.
    pub max_fragment_spreads: usize,
    /// Deepest nesting of selections, counted through fields, inline fragments and spreads.
    pub max_nesting: usize,
    /// Serve GraphiQL at `GET /graphql` to browsers.
    pub graphiql: bool,
    /// Empty (the default): GraphiQL's scripts and styles are served by rapport itself (built
    /// in by `api/graphiql/build.sh`; a binary built without them loads the same pinned files
    /// from unpkg). Set to a CDN or mirror base URL with npm's layout
    /// (`https://cdn.jsdelivr.net/npm`) to load them from there, pinned and integrity-checked.
    pub graphiql_assets_url: String,
    /// DataLoader batch window, in microseconds.
    pub loader_delay_us: u64,
    /// Automatic persisted queries (Apollo's protocol): a client may send a query's SHA-256
    /// instead of its text once the server has seen the text.
    pub apq_enabled: bool,
    /// Most documents the automatic persisted-query store keeps (least recently used out).
    pub apq_cache_size: usize,
    /// Most bytes of document text that store keeps (least recently used out).
    pub apq_cache_bytes: usize,
    /// Most parsed documents kept by their text (least recently used out; texts over 4 KiB
    /// are not kept), so a document sent again is not parsed and checked again; 0 turns it off.
    pub document_cache_size: usize,
    /// Run only the documents registered in `trusted_documents` (and, for a role listed in
    /// `trusted_documents_by_role`, only that role's file); automatic registration is off.
    pub trusted_documents_only: bool,
    /// A JSON file mapping document hash to document text, as a client build writes it.
    pub trusted_documents: Option<PathBuf>,
    /// Per role (`PARTNER = "partner-documents.json"`), the only documents that role may run
    /// in trusted-documents mode, instead of `trusted_documents`.
    pub trusted_documents_by_role: BTreeMap<String, PathBuf>,
}

impl Default for GraphqlSettings {
    fn default() -> Self {
        Self {
            introspection: true,
            max_depth: 12,
            max_introspection_depth: 15,
            max_complexity: 20_000,
            max_selections: 5_000,
            max_aliases: 30,
            max_directives: 5,
            max_query_bytes: 32 * 1024,
            max_tokens: 10_000,
            max_fragments: 200,
            max_fragment_spreads: 1_000,
            max_nesting: 64,
            graphiql: true,
            graphiql_assets_url: String::new(),
            loader_delay_us: 200,
            apq_enabled: true,
            apq_cache_size: 1_000,
            apq_cache_bytes: 8 * 1024 * 1024,
            document_cache_size: 128,
            trusted_documents_only: false,
            trusted_documents: None,
            trusted_documents_by_role: BTreeMap::new(),
        }
    }
}
