//! Free text in list filters: bounded, and free of control characters (PostgreSQL refuses a
//! NUL byte in text, which would otherwise surface as an internal error).

use async_graphql::Result;

use super::error::gql;
use crate::error::ApiError;

/// Longest filter text.
pub const MAX_FILTER_CHARS: usize = 200;

/// Checks an optional filter text, naming `field` when it is refused.
pub fn filter_text(field: &str, text: Option<String>) -> Result<Option<String>> {
    let Some(text) = text else { return Ok(None) };
    if text.chars().count() > MAX_FILTER_CHARS {
        return Err(gql(ApiError::bad_input(
            field,
            format!("must be at most {MAX_FILTER_CHARS} characters"),
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(gql(ApiError::bad_input(
            field,
            "must not contain control characters",
        )));
    }
    Ok(Some(text))
}
