//! Persisted queries: Apollo's automatic persisted queries (a client sends a query's SHA-256
//! in `extensions.persistedQuery`, and its text only when the server asks for it), and
//! trusted documents (only the operations a client build registered run).
//!
//! This lives in the HTTP handler rather than in async-graphql's `apollo_persisted_queries`
//! extension because the handler must know the document before it executes: GET refuses a
//! mutation found by its hash, trusted-documents mode needs the caller's role, and the answers
//! the link expects (`PersistedQueryNotFound` with HTTP 200) are ours to shape. The query
//! guard then sees the real document, as for any request.

mod apq;
mod documents;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use rapport_domain::role::Role;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::negotiate::ResponseKind;
use crate::config::GraphqlSettings;

pub use apq::ApqStore;
pub use documents::DocumentSet;

/// The SHA-256 of `text`, as lowercase hex (what Apollo's link sends).
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The persisted-query state of one server.
#[derive(Debug)]
pub struct PersistedQueries {
    apq: Option<ApqStore>,
    documents: Option<DocumentSet>,
    by_role: HashMap<Role, DocumentSet>,
    trusted_only: bool,
}

/// `extensions.persistedQuery` of a request: the document's SHA-256 (lowercase hex).
#[derive(Debug, Clone)]
pub struct PersistedRef(String);

/// Why a request's persisted query cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A hash without a query that the server has not stored: the client sends the text.
    NotFound,
    /// A hash without a query while automatic persisted queries are off.
    NotSupported,
    /// Trusted-documents mode, and the document is not registered (for this role).
    NotAllowed,
    /// `extensions.persistedQuery` is malformed, or its hash is not the query's.
    BadInput {
        /// The request parameter at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// The document to run, and what to store once it ran.
#[derive(Debug)]
pub struct Resolved {
    /// The document text.
    pub query: String,
    /// Whether the text came from the server's store (the request sent only a hash).
    pub by_hash: bool,
    /// Store this text under this hash once it passed validation.
    pub register: Option<(String, Arc<str>)>,
}

impl PersistedQueries {
    /// The state `settings` describe, the documents files read. The error names the key and
    /// the file.
    pub fn from_settings(settings: &GraphqlSettings) -> Result<Self, String> {
        let documents = match &settings.trusted_documents {
            Some(path) => Some(
                DocumentSet::load(path).map_err(|e| format!("graphql.trusted_documents: {e}"))?,
            ),
            None => None,
        };
        let mut by_role = HashMap::new();
        for (key, path) in &settings.trusted_documents_by_role {
            let role = GraphqlSettings::trusted_documents_role(key)?;
            let set = DocumentSet::load(path)
                .map_err(|e| format!("graphql.trusted_documents_by_role.{key}: {e}"))?;
            by_role.insert(role, set);
        }
        let trusted_only = settings.trusted_documents_only;
        let apq = (settings.apq_enabled && !trusted_only)
            .then(|| ApqStore::new(settings.apq_cache_size, settings.apq_cache_bytes));
        if trusted_only && documents.is_none() {
            return Err("graphql.trusted_documents_only needs graphql.trusted_documents".into());
        }
        Ok(Self {
            apq,
            documents,
            by_role,
            trusted_only,
        })
    }

    /// Finds the document a request runs: its text, or the text stored under its hash.
    pub fn resolve(
        &self,
        query: &str,
        reference: Option<&PersistedRef>,
        role: Role,
    ) -> Result<Resolved, Refusal> {
        let has_query = !query.trim().is_empty();
        if let (Some(PersistedRef(hash)), true) = (reference, has_query)
            && sha256_hex(query) != *hash
        {
            return Err(Refusal::BadInput {
                field: "extensions.persistedQuery.sha256Hash",
                message: "provided sha does not match query".into(),
            });
        }
        if self.trusted_only {
            let set = self
                .by_role
                .get(&role)
                .or(self.documents.as_ref())
                .ok_or(Refusal::NotAllowed)?;
            return match (reference, has_query) {
                (_, true) if set.contains_text(query) => Ok(Resolved::text(query)),
                (Some(PersistedRef(hash)), false) => set
                    .get(hash)
                    .map(|text| Resolved::stored(&text))
                    .ok_or(Refusal::NotAllowed),
                _ => Err(Refusal::NotAllowed),
            };
        }
        match (reference, has_query) {
            (None, _) => Ok(Resolved::text(query)),
            (Some(PersistedRef(hash)), true) => Ok(Resolved {
                register: self
                    .apq
                    .as_ref()
                    .map(|_| (hash.clone(), Arc::<str>::from(query))),
                ..Resolved::text(query)
            }),
            (Some(PersistedRef(hash)), false) => {
                if let Some(text) = self.documents.as_ref().and_then(|d| d.get(hash)) {
                    return Ok(Resolved::stored(&text));
                }
                match &self.apq {
                    Some(store) => store
                        .get(hash)
                        .map(|text| Resolved::stored(&text))
                        .ok_or(Refusal::NotFound),
                    None => Err(Refusal::NotSupported),
                }
            }
        }
    }

    /// Stores a document that ran (automatic persisted queries only).
    pub fn register(&self, hash: String, text: Arc<str>) {
        if let Some(store) = &self.apq {
            store.insert(hash, text);
        }
    }
}

impl Resolved {
    fn text(query: &str) -> Self {
        Self {
            query: query.to_owned(),
            by_hash: false,
            register: None,
        }
    }

    fn stored(text: &str) -> Self {
        Self {
            query: text.to_owned(),
            by_hash: true,
            register: None,
        }
    }
}

/// Reads `extensions.persistedQuery` from the request parameters: `None` when absent.
pub fn reference(params: &Map<String, Value>) -> Result<Option<PersistedRef>, Refusal> {
    let Some(pq) = params
        .get("extensions")
        .and_then(|e| e.get("persistedQuery"))
        .filter(|v| !v.is_null())
    else {
        return Ok(None);
    };
    let bad = |field: &'static str, message: &str| Refusal::BadInput {
        field,
        message: message.into(),
    };
    if !pq.is_object() {
        return Err(bad(
            "extensions.persistedQuery",
            "persistedQuery must be an object with version and sha256Hash",
        ));
    }
    if pq.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(bad(
            "extensions.persistedQuery.version",
            "unsupported persisted query version: only version 1 is supported",
        ));
    }
    match pq.get("sha256Hash").and_then(Value::as_str) {
        Some(hash) if documents::is_sha256(hash) => {
            Ok(Some(PersistedRef(hash.to_ascii_lowercase())))
        }
        _ => Err(bad(
            "extensions.persistedQuery.sha256Hash",
            "sha256Hash must be the document's SHA-256 as 64 hex digits",
        )),
    }
}

impl Refusal {
    /// The answer to a refused request.
    ///
    /// `PersistedQueryNotFound` and `PersistedQueryNotSupported` answer HTTP 200 whatever
    /// the media type, as Apollo Server does: Apollo Client's persisted-query link retries
    /// with the full query when an error's message is `PersistedQueryNotFound` or its
    /// `extensions.code` is `PERSISTED_QUERY_NOT_FOUND` (`processErrors` and the default
    /// `retry` in `@apollo/client/link/persisted-queries`, 4.x), and stops hashing on
    /// `PersistedQueryNotSupported`. Version 4 also reads those errors from a non-2xx body,
    /// but earlier releases of the link (3.x) turned persisted queries off for good on a 400
    /// or 500 answer, so a 4xx here would silently cost such clients the feature.
    pub fn response(&self, kind: ResponseKind, rid: &str) -> HttpResponse {
        let (status, message, code, field) = match self {
            Refusal::NotFound => (
                StatusCode::OK,
                "PersistedQueryNotFound".to_owned(),
                "PERSISTED_QUERY_NOT_FOUND",
                None,
            ),
            Refusal::NotSupported => (
                StatusCode::OK,
                "PersistedQueryNotSupported".to_owned(),
                "PERSISTED_QUERY_NOT_SUPPORTED",
                None,
            ),
            // A request error: 4xx for graphql-response+json, 200 for legacy JSON, as the
            // GraphQL-over-HTTP specification asks of any request that cannot execute.
            Refusal::NotAllowed => (
                match kind {
                    ResponseKind::GraphqlResponse => StatusCode::BAD_REQUEST,
                    ResponseKind::Json => StatusCode::OK,
                },
                "this server runs only registered (trusted) documents, and this one is not \
                 registered for the caller"
                    .to_owned(),
                "PERSISTED_QUERY_NOT_ALLOWED",
                None,
            ),
            Refusal::BadInput { field, message } => (
                StatusCode::BAD_REQUEST,
                message.clone(),
                "BAD_USER_INPUT",
                Some(*field),
            ),
        };
        let mut extensions = json!({ "code": code, "requestId": rid });
        if let Some(field) = field {
            extensions["field"] = json!(field);
        }
        HttpResponse::build(status)
            .content_type(kind.content_type())
            .json(json!({ "errors": [{ "message": message, "extensions": extensions }] }))
    }
}

#[cfg(test)]
mod tests;
