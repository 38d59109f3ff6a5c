//! The errors of a GraphQL answer, each with a code.

use async_graphql::{ErrorExtensionValues, ServerError, Variables};
use serde_json::{Value, json};

use crate::graphql::coercion;

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
