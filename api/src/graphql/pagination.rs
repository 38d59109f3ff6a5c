use async_graphql::{Error, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::gql;
use crate::error::ApiError;
use crate::store::PageRequest;

/// Largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;
/// Page size when the client names none (also what the cost model counts for such a
/// connection, see `guard::model`).
pub const DEFAULT_PAGE: i32 = 20;

/// Relay page info.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// More items follow `endCursor`.
    pub has_next_page: bool,
    /// More items precede `startCursor`.
    pub has_previous_page: bool,
    /// Cursor of the first edge.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge.
    pub end_cursor: Option<String>,
}

/// An opaque cursor for a row id.
pub fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

fn decode_cursor(field: &str, raw: &str) -> Result<i64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("cursor:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_input(field, "is not a cursor from this API"))
}

/// Turns Relay arguments into a keyset page request, refusing nonsense with the field named.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest, Error> {
    let check = |field: &str, n: i32| {
        if (0..=MAX_PAGE).contains(&n) {
            Ok(n as u64)
        } else {
            Err(gql(ApiError::bad_input(
                field,
                format!("must be between 0 and {MAX_PAGE}"),
            )))
        }
    };
    if first.is_some() && last.is_some() {
        return Err(gql(ApiError::bad_input(
            "last",
            "cannot be combined with first",
        )));
    }
    let after = after
        .map(|a| decode_cursor("after", &a))
        .transpose()
        .map_err(gql)?;
    let before = before
        .map(|b| decode_cursor("before", &b))
        .transpose()
        .map_err(gql)?;
    Ok(match (first, last) {
        (_, Some(last)) => PageRequest {
            after,
            before,
            limit: check("last", last)?,
            from_end: true,
        },
        (first, None) => PageRequest {
            after,
            before,
            limit: check("first", first.unwrap_or(DEFAULT_PAGE))?,
            from_end: false,
        },
    })
}

/// Page info for a page of rows with these ids.
pub fn page_info(ids: &[i64], has_next: bool, has_previous: bool) -> PageInfo {
    PageInfo {
        has_next_page: has_next,
        has_previous_page: has_previous,
        start_cursor: ids.first().map(|id| cursor(*id)),
        end_cursor: ids.last().map(|id| cursor(*id)),
    }
}
