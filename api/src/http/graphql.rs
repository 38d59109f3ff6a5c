//! GraphQL over HTTP, per the GraphQL-over-HTTP specification: POST with JSON, GET for queries
//! only, `application/graphql-response+json` or `application/json` as the client accepts, the
//! status codes the specification prescribes, and the body capped before parsing.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Request as GqlRequest, ServerError, Variables};
use futures_util::StreamExt as _;
use serde_json::{Map, Value, json};

use super::negotiate::{ResponseKind, is_json, negotiate, wants_html};
use super::params::parse_params;
use super::persisted::PersistedRef;
use super::{AppState, RequestId, graphiql};
use crate::auth::{self, AuthFailure};
use crate::graphql::coercion;
use crate::graphql::context::RequestState;

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone())
}

/// A response holding only errors (no `data`: the request never executed).
fn error_response(
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
enum Method {
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

enum BodyError {
    TooLarge,
    Read,
}

async fn read_capped(mut payload: web::Payload, max: usize) -> Result<web::BytesMut, BodyError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Read)?;
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn unauthenticated(kind: ResponseKind, rid: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .content_type(kind.content_type())
        .json(json!({"errors": [{
            "message": "authentication required",
            "extensions": {"code": "UNAUTHENTICATED", "requestId": rid}
        }]}))
}

async fn execute(
    req: &HttpRequest,
    state: &AppState,
    kind: ResponseKind,
    (mut gql_request, reference): (GqlRequest, Option<PersistedRef>),
    method: Method,
    rid: String,
) -> HttpResponse {
    if gql_request.query.len() > state.settings.graphql.max_query_bytes {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            kind,
            "QUERY_TOO_COMPLEX",
            &format!(
                "the query document is larger than {} bytes",
                state.settings.graphql.max_query_bytes
            ),
            &rid,
        );
    }
    // Two Authorization headers are ambiguous credentials: refuse rather than pick one.
    if req.headers().get_all(header::AUTHORIZATION).count() > 1 {
        super::note_refusal(req, "more than one Authorization header");
        return unauthenticated(kind, &rid);
    }
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    let caller = match auth::authenticate(&state.keys, &state.api_keys, &state.store, header).await
    {
        Ok(caller) => caller,
        Err(AuthFailure::Store(err)) => {
            tracing::error!(error = %err, "authentication could not reach the database");
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                kind,
                "INTERNAL",
                "internal error",
                &rid,
            );
        }
        Err(failure) => {
            super::note_refusal(req, failure.to_string());
            return unauthenticated(kind, &rid);
        }
    };
    if let Some(limited) = super::rate_limit::admit_subject(req, state, &caller.subject) {
        return limited;
    }
    // After authentication: trusted documents may differ by role.
    let resolved = match state.persisted.resolve(
        &gql_request.query,
        reference.as_ref(),
        caller.principal.role(),
    ) {
        Ok(resolved) => resolved,
        Err(refusal) => {
            super::note_refusal(req, format!("persisted query: {refusal:?}"));
            return refusal.response(kind, &rid);
        }
    };
    if resolved.by_hash {
        gql_request.query = resolved.query;
        if method == Method::Get
            && let Some(refused) = refuse_mutation_over_get(&gql_request, kind, &rid)
        {
            return refused;
        }
    }
    let request_state = RequestState::new(
        state.store.clone(),
        caller,
        rid.clone(),
        state.keys.clone(),
        state.settings.clone(),
        state.registry.clone(),
        chrono::Utc::now(),
    );
    // Kept to trace a coercion failure back to its argument.
    let gql_query = gql_request.query.clone();
    let gql_variables = gql_request.variables.clone();
    let response = state
        .schema
        .execute(gql_request.data(request_state).data(state.api_keys.clone()))
        .await;
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let errors: Vec<Value> = response
        .errors
        .into_iter()
        .map(|e| error_json(e, &gql_query, &gql_variables, &rid))
        .collect();
    let body = Body {
        data: (!request_error).then_some(&response.data),
        errors: (!errors.is_empty()).then_some(&errors),
    };
    // Stored only once it parsed, validated and passed the guard: a document that cannot run
    // never takes a place in the store.
    if let (false, Some((hash, text))) = (request_error, resolved.register) {
        state.persisted.register(hash, text);
    }
    let status = if request_error && kind == ResponseKind::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Written straight from the executor's value: no `serde_json::Value` tree in between.
    match serde_json::to_vec(&body) {
        Ok(bytes) => HttpResponse::build(status)
            .content_type(kind.content_type())
            .body(bytes),
        Err(err) => {
            tracing::error!(error = %err, "the response could not be written as JSON");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                kind,
                "INTERNAL",
                "internal error",
                &rid,
            )
        }
    }
}

/// A GraphQL response body: `data` left out on a request error, `errors` when there are none.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a Vec<Value>>,
}

/// Whether the executor refused the document for one of the configured limits. These are
/// the messages async-graphql gives its depth, complexity, directive and recursion limits
/// (the parser's own nesting limit included); they carry no code of their own.
fn is_limit_error(err: &ServerError) -> bool {
    err.path.is_empty()
        && (err.message == "Query is too complex."
            || err.message == "Query is nested too deep."
            || err.message == "recursion limit exceeded."
            || err
                .message
                .starts_with("The number of directives on the field")
            || err
                .message
                .starts_with("The recursion depth of the query cannot be greater"))
}

/// Serializes one error, giving every error a code: parse, validation and limit errors from
/// the executor get theirs here, and every input coercion failure is the client's
/// (`BAD_USER_INPUT` naming the field, see [`coercion`]); INTERNAL ones also get the request
/// id.
pub(crate) fn error_json(
    mut err: ServerError,
    query: &str,
    variables: &Variables,
    rid: &str,
) -> Value {
    let limit = is_limit_error(&err);
    let has_code = matches!(
        err.extensions.as_ref().and_then(|ext| ext.get("code")),
        Some(async_graphql::Value::String(_))
    );
    let bad_input = if has_code || limit {
        None
    } else {
        coercion::classify(&err, query, variables)
    };
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    let code = match ext.get("code") {
        Some(async_graphql::Value::String(code)) => code.clone(),
        _ => {
            let code = if limit {
                "QUERY_TOO_COMPLEX"
            } else if let Some(bad) = bad_input {
                // The client's mistake, told to the client: not worth a log line per error.
                tracing::debug!(field = %bad.field, "bad input");
                ext.set("field", bad.field);
                err.message = bad.message;
                "BAD_USER_INPUT"
            } else if err.path.is_empty() {
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "INTERNAL"
            };
            if code == "INTERNAL" {
                tracing::error!(error = %err.message, "unclassified resolver error");
                err.message = "internal error".into();
            }
            ext.set("code", code);
            code.to_owned()
        }
    };
    if code == "INTERNAL" {
        ext.set("requestId", rid);
    }
    serde_json::to_value(&err).unwrap_or_else(
        |_| json!({"message": "internal error", "extensions": {"code": "INTERNAL"}}),
    )
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
