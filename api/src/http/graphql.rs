//! GraphQL over HTTP, per the GraphQL-over-HTTP specification: POST with JSON, GET for queries
//! only, `application/graphql-response+json` or `application/json` as the client accepts, the
//! status codes the specification prescribes, and the body capped before parsing.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::Request as GqlRequest;
use async_graphql::parser::types::OperationType;
use serde_json::{Map, Value, json};

use super::negotiate::{ResponseKind, is_json, negotiate, wants_html};
use super::params::parse_params;
use super::{AppState, RequestId, graphiql};

mod body;
mod errors;
mod execute;

pub(super) use body::{BodyError, read_capped};
pub(crate) use errors::error_json;
pub(super) use execute::execute;

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone())
}

/// A response holding only errors (no `data`: the request never executed).
pub(super) fn error_response(
    status: StatusCode,
    kind: ResponseKind,
    code: &str,
    message: &str,
    request_id: &str,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(kind.content_type())
        .json(json!({
            "errors": [{
                "message": message,
                "extensions": { "code": code, "requestId": request_id }
            }]
        }))
}

/// POST /graphql
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id(&req);
    let Some(kind) = negotiate(header_str(req.headers(), header::ACCEPT)) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            ResponseKind::Json,
            "NOT_ACCEPTABLE",
            "accept application/graphql-response+json or application/json",
            &rid,
        );
    };
    if let Some(content_type) = super::upload::multipart_type(req.headers()) {
        return super::upload::post(&req, payload, &state, kind, content_type, rid).await;
    }
    if !is_json(header_str(req.headers(), header::CONTENT_TYPE)) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            kind,
            "BAD_REQUEST",
            "send the request as application/json",
            &rid,
        );
    }
    let body = match read_capped(payload, state.settings.http.max_body_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                kind,
                "BAD_REQUEST",
                &format!(
                    "the request body is larger than {} bytes",
                    state.settings.http.max_body_bytes
                ),
                &rid,
            );
        }
        Err(BodyError::Read) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                kind,
                "BAD_REQUEST",
                "the request body could not be read",
                &rid,
            );
        }
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                kind,
                "BAD_REQUEST",
                "the request body is not valid JSON",
                &rid,
            );
        }
    };
    if value.is_array() {
        return error_response(
            StatusCode::BAD_REQUEST,
            kind,
            "BAD_REQUEST",
            "batch requests are not supported; send one operation per request",
            &rid,
        );
    }
    let (gql_request, reference) = match parse_params(value) {
        Ok(r) => r,
        Err(err) => return err.response(kind, &rid),
    };
    execute(
        &req,
        &state,
        kind,
        (gql_request, reference),
        Method::Post,
        rid,
    )
    .await
}

/// GET /graphql: GraphiQL for browsers, queries for everyone else. Mutations are refused.
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let rid = request_id(&req);
    let accept = header_str(req.headers(), header::ACCEPT);
    let Ok(params) = query_pairs(req.query_string()) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            ResponseKind::Json,
            "BAD_REQUEST",
            "the query string is malformed",
            &rid,
        );
    };
    let has_query = params.iter().any(|(k, _)| k == "query");
    if !has_query && wants_html(accept) && state.settings.graphql.graphiql {
        return graphiql::page_response("/graphql", &state.settings.graphql.graphiql_assets_url);
    }
    let Some(kind) = negotiate(accept) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            ResponseKind::Json,
            "NOT_ACCEPTABLE",
            "accept application/graphql-response+json or application/json",
            &rid,
        );
    };
    let mut map = Map::new();
    for (key, raw) in params {
        let value = match key.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<Value>(&raw) {
                Ok(v) => v,
                Err(_) => {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        kind,
                        "BAD_REQUEST",
                        &format!("the {key} parameter is not valid JSON"),
                        &rid,
                    );
                }
            },
            _ => Value::String(raw),
        };
        map.insert(key, value);
    }
    let (gql_request, reference) = match parse_params(Value::Object(map)) {
        Ok(r) => r,
        Err(err) => return err.response(kind, &rid),
    };
    if let Some(refused) = refuse_mutation_over_get(&gql_request, kind, &rid) {
        return refused;
    }
    // A GET carries only queries: `execute` checks again once a hash is resolved to a text.
    execute(
        &req,
        &state,
        kind,
        (gql_request, reference),
        Method::Get,
        rid,
    )
    .await
}

/// How the request came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
}

/// 405 for a GET whose operation is not a query (mutations only travel by POST).
fn refuse_mutation_over_get(
    gql_request: &GqlRequest,
    kind: ResponseKind,
    rid: &str,
) -> Option<HttpResponse> {
    let doc = async_graphql::parser::parse_query(&gql_request.query).ok()?;
    let op = match &gql_request.operation_name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, o)| o),
        None => doc.operations.iter().next().map(|(_, o)| o),
    };
    op.filter(|o| o.node.ty != OperationType::Query).map(|_| {
        HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .content_type(kind.content_type())
            .json(json!({"errors": [{
                "message": "only queries may be sent with GET; send mutations with POST",
                "extensions": {"code": "BAD_REQUEST", "requestId": rid}
            }]}))
    })
}

fn query_pairs(query: &str) -> Result<Vec<(String, String)>, ()> {
    web::Query::<Vec<(String, String)>>::from_query(query)
        .map(web::Query::into_inner)
        .map_err(|_| ())
}

/// GET /graphql/schema.graphql: the SDL (only while introspection is on).
pub async fn schema_sdl(state: web::Data<AppState>) -> HttpResponse {
    if !state.settings.graphql.introspection {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(crate::graphql::sdl_of(&state.schema))
}
