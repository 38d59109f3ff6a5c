use async_graphql::{Error, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::gql;
use crate::error::ApiError;
use crate::store::{Keyset, NoSort, PageRequest, SortField, Sorted, check_keyset};

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

/// An opaque cursor for a row id (lists in id order).
pub fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

/// The opaque cursor of a row in a sorted list: `k1:` and the order, sort values and id as
/// JSON, in URL-safe base64. A list in id order keeps the plain id cursor of earlier versions.
pub fn keyset_cursor(k: &Keyset) -> String {
    if k.order.is_empty() && k.values.is_empty() {
        return cursor(k.id);
    }
    let json = serde_json::to_string(k).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("k1:{json}"))
}

pub fn decode_cursor(field: &str, raw: &str) -> Result<Keyset, ApiError> {
    let text = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let keyset = text.and_then(|s| {
        if let Some(id) = s.strip_prefix("cursor:") {
            id.parse().ok().map(|id| Keyset {
                order: String::new(),
                values: Vec::new(),
                id,
            })
        } else {
            s.strip_prefix("k1:")
                .and_then(|json| serde_json::from_str(json).ok())
        }
    });
    keyset.ok_or_else(|| ApiError::bad_input(field, "is not a cursor from this API"))
}

/// Turns Relay arguments and an order into a keyset page request, refusing nonsense with the
/// field named: a cursor made under another `orderBy` is refused on `after`/`before`.
pub fn page_request<F: SortField>(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    order: Vec<Sorted<F>>,
) -> Result<PageRequest<F>, Error> {
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
    let keyset = |field: &str, raw: Option<String>| {
        raw.map(|raw| {
            let k = decode_cursor(field, &raw)?;
            check_keyset(&order, &k).map_err(|e| ApiError::bad_input(field, e))?;
            Ok(k)
        })
        .transpose()
        .map_err(gql)
    };
    let after = keyset("after", after)?;
    let before = keyset("before", before)?;
    let (limit, from_end) = match (first, last) {
        (_, Some(last)) => (check("last", last)?, true),
        (first, None) => (check("first", first.unwrap_or(DEFAULT_PAGE))?, false),
    };
    Ok(PageRequest {
        after,
        before,
        limit,
        from_end,
        order,
    })
}

/// A page request in id order (lists without `orderBy`).
pub fn id_page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest, Error> {
    page_request::<NoSort>(first, after, last, before, Vec::new())
}

/// Page info for a page whose rows have these cursors.
pub fn page_info(cursors: &[String], has_next: bool, has_previous: bool) -> PageInfo {
    PageInfo {
        has_next_page: has_next,
        has_previous_page: has_previous,
        start_cursor: cursors.first().cloned(),
        end_cursor: cursors.last().cloned(),
    }
}
