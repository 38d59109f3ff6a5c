//! The GraphQL-over-HTTP request parameters (`query`, `operationName`, `variables`,
//! `extensions`), checked as the specification asks, with a persisted query's hash standing in
//! for a missing `query`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use async_graphql::Request as GqlRequest;
use serde_json::{Value, json};

use super::negotiate::ResponseKind;
use super::persisted::{self, PersistedRef, Refusal};

/// Why the request parameters are refused.
#[derive(Debug)]
pub enum ParamError {
    /// Not a GraphQL-over-HTTP request (400 `BAD_REQUEST`).
    Malformed(String),
    /// A malformed `extensions.persistedQuery` (400 `BAD_USER_INPUT` naming the field).
    Persisted(Refusal),
}

impl ParamError {
    /// The 400 answer.
    pub fn response(&self, kind: ResponseKind, rid: &str) -> HttpResponse {
        match self {
            ParamError::Malformed(message) => HttpResponse::build(StatusCode::BAD_REQUEST)
                .content_type(kind.content_type())
                .json(json!({
                    "errors": [{
                        "message": message,
                        "extensions": { "code": "BAD_REQUEST", "requestId": rid }
                    }]
                })),
            ParamError::Persisted(refusal) => refusal.response(kind, rid),
        }
    }
}

/// Checks the request parameters' types as the specification asks, then builds the request.
/// `query` may be missing when `extensions.persistedQuery` names the document by its hash
/// (the request then carries an empty query until the hash is resolved).
pub fn parse_params(value: Value) -> Result<(GqlRequest, Option<PersistedRef>), ParamError> {
    let bad = |m: &str| ParamError::Malformed(m.to_owned());
    let Value::Object(mut map) = value else {
        return Err(bad("the request body must be a JSON object"));
    };
    if !matches!(
        map.get("extensions"),
        None | Some(Value::Null) | Some(Value::Object(_))
    ) {
        return Err(bad("extensions must be an object"));
    }
    let reference = persisted::reference(&map).map_err(ParamError::Persisted)?;
    match map.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) if reference.is_some() => {
            map.insert("query".into(), Value::String(String::new()));
        }
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(bad("the query parameter is required"));
        }
        Some(_) => return Err(bad("the query parameter must be a string")),
    }
    if !matches!(
        map.get("operationName"),
        None | Some(Value::Null) | Some(Value::String(_))
    ) {
        return Err(bad("operationName must be a string"));
    }
    if !matches!(
        map.get("variables"),
        None | Some(Value::Null) | Some(Value::Object(_))
    ) {
        return Err(bad("variables must be an object"));
    }
    let request = serde_json::from_value(Value::Object(map))
        .map_err(|_| bad("the request parameters are malformed"))?;
    Ok((request, reference))
}
