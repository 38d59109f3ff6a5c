//! Running one GraphQL request: authentication, the caller's rate limit, persisted documents,
//! then the schema, and the answer in the media type the client accepts.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::Request as GqlRequest;
use serde_json::{Value, json};

use super::errors::error_json;
use super::{Method, error_response, refuse_mutation_over_get};
use crate::auth::{self, AuthFailure};
use crate::graphql::context::RequestState;
use crate::http::AppState;
use crate::http::negotiate::ResponseKind;
use crate::http::persisted::PersistedRef;

fn unauthenticated(kind: ResponseKind, rid: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .content_type(kind.content_type())
        .json(json!({"errors": [{
            "message": "authentication required",
            "extensions": {"code": "UNAUTHENTICATED", "requestId": rid}
        }]}))
}

/// Answers one GraphQL request.
pub(in crate::http) async fn execute(
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
        crate::http::note_refusal(req, "more than one Authorization header");
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
            crate::http::note_refusal(req, failure.to_string());
            return unauthenticated(kind, &rid);
        }
    };
    crate::http::metrics::note_caller(req, &caller.principal);
    if let Some(limited) = crate::http::rate_limit::admit_subject(req, state, &caller.subject) {
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
            crate::http::note_refusal(req, format!("persisted query: {refusal:?}"));
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
    crate::http::metrics::note_operation(
        req,
        gql_request.operation_name.as_deref(),
        &gql_request.query,
    );
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
