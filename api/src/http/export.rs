//! `GET /export/{kind}.{csv|jsonl}`: the bulk export, streamed. Authenticated as `/graphql`
//! is (one `Authorization: Bearer` token) and counted in the caller's rate-limit bucket; the
//! filter is the GraphQL list's filter input, as JSON in `filter=` or field by field in
//! `filter.<field>=` parameters; rows and columns are what the caller reads in GraphQL.
//!
//! The first chunk is read before the answer starts, so a request that fails early gets a
//! plain error status. A failure after that cannot change the status any more: the body is
//! then cut off without the chunked encoding's last chunk, which every HTTP client reports
//! as an incomplete body, never as a finished export.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::stream::{self, StreamExt as _};
use serde_json::{Map, Value, json};

use super::{AppState, RequestId};
use crate::auth::{self, AuthFailure};
use crate::export::{ExportKind, Exporter, Format, permit};
use crate::graphql::export_filter::{self, FilterRefusal};

pub(super) fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone())
}

pub(super) fn refusal(
    status: StatusCode,
    code: &str,
    message: &str,
    field: Option<&str>,
    rid: &str,
) -> HttpResponse {
    let mut body = json!({"code": code, "message": message, "requestId": rid});
    if let Some(field) = field {
        body["field"] = Value::from(field);
    }
    let mut res = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    res.json(body)
}

/// `contacts.csv` → (contacts, CSV).
fn file_name(raw: &str) -> Option<(ExportKind, Format)> {
    let (kind, ext) = raw.rsplit_once('.')?;
    Some((ExportKind::parse(kind)?, Format::parse(ext)?))
}

/// The filter of the query string: `filter=<json>` and `filter.<a>.<b>=<text>` merged into one
/// object (a repeated field is a list).
fn filter_of(query: &str) -> Result<Option<Value>, FilterRefusal> {
    let bad = |field: &str, message: &str| FilterRefusal {
        field: field.to_owned(),
        message: message.to_owned(),
    };
    let mut filter: Option<Value> = None;
    let mut flat: Vec<(String, String)> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "filter" {
            if filter.is_some() {
                return Err(bad("filter", "is given twice"));
            }
            filter =
                Some(serde_json::from_str(&value).map_err(|_| bad("filter", "is not valid JSON"))?);
        } else if let Some(path) = key.strip_prefix("filter.") {
            flat.push((path.to_owned(), value.into_owned()));
        } else {
            return Err(bad(
                &key,
                "is not a parameter of an export (give `filter` as JSON, or `filter.<field>`)",
            ));
        }
    }
    if flat.is_empty() {
        return Ok(filter);
    }
    let mut root = match filter {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(bad("filter", "must be an object to add filter.<field> to")),
    };
    for (path, value) in flat {
        let mut node = &mut root;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if part.is_empty() {
                return Err(bad(&format!("filter.{path}"), "is not a field path"));
            }
            if parts.peek().is_none() {
                match node.get_mut(part) {
                    Some(Value::Array(items)) => items.push(Value::String(value.clone())),
                    Some(existing @ Value::String(_)) => {
                        let first = existing.take();
                        *existing = Value::Array(vec![first, Value::String(value.clone())]);
                    }
                    Some(_) => return Err(bad(&format!("filter.{path}"), "is given twice")),
                    None => {
                        node.insert(part.to_owned(), Value::String(value.clone()));
                    }
                }
            } else {
                let next = node
                    .entry(part.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                node = next
                    .as_object_mut()
                    .ok_or_else(|| bad(&format!("filter.{path}"), "is given twice"))?;
            }
        }
    }
    Ok(Some(Value::Object(root)))
}

/// The caller of a download (one `Authorization: Bearer` token, as `/graphql`), counted in its
/// rate-limit bucket; or the answer refusing it.
pub(super) async fn authenticated(
    req: &HttpRequest,
    state: &AppState,
    rid: &str,
) -> Result<auth::Caller, HttpResponse> {
    if req.headers().get_all(header::AUTHORIZATION).count() > 1 {
        super::note_refusal(req, "more than one Authorization header");
        return Err(refusal(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authentication required",
            None,
            rid,
        ));
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let caller = match auth::authenticate(&state.keys, &state.api_keys, &state.store, token).await {
        Ok(caller) => caller,
        Err(AuthFailure::Store(err)) => {
            tracing::error!(error = %err, "authentication could not reach the database");
            return Err(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL",
                "internal error",
                None,
                rid,
            ));
        }
        Err(failure) => {
            super::note_refusal(req, failure.to_string());
            return Err(refusal(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "authentication required",
                None,
                rid,
            ));
        }
    };
    if let Some(limited) = super::rate_limit::admit_subject(req, state, &caller.subject) {
        return Err(limited);
    }
    Ok(caller)
}

/// GET /export/{file}
pub async fn export(
    req: HttpRequest,
    file: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id(&req);
    let caller = match authenticated(&req, &state, &rid).await {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Some((kind, format)) = file_name(&file) else {
        let kinds = ExportKind::ALL.map(ExportKind::as_str).join(", ");
        return refusal(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no export `{file}`: ask for <kind>.csv or <kind>.jsonl, kind one of {kinds}"),
            None,
            &rid,
        );
    };
    let today = chrono::Utc::now().date_naive();
    let query = match filter_of(req.query_string())
        .and_then(|raw| export_filter::query(kind, raw, today))
    {
        Ok(query) => query,
        Err(e) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &e.to_string(),
                Some(&e.field),
                &rid,
            );
        }
    };
    let view = match permit(&caller.principal, &query) {
        Ok(view) => view,
        Err(_) => {
            return refusal(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "you are not allowed to do this",
                None,
                &rid,
            );
        }
    };
    let mut exporter = Exporter::new(state.store.clone(), caller.scope(), query, format, view);
    let first = match exporter.next_chunk().await {
        Ok(first) => first,
        Err(err) => {
            tracing::error!(error = %err, request_id = %rid, "export failed before it started");
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
                None,
                &rid,
            );
        }
    };
    let rest = stream::unfold(Some(exporter), move |exporter| {
        let rid = rid.clone();
        async move {
            let mut exporter = exporter?;
            match exporter.next_chunk().await {
                Ok(Some(bytes)) => Some((Ok(Bytes::from(bytes)), Some(exporter))),
                Ok(None) => None,
                Err(err) => {
                    tracing::error!(error = %err, request_id = %rid, rows = exporter.rows(), "export cut off");
                    Some((Err(std::io::Error::other("export cut off")), None))
                }
            }
        }
    });
    let body = stream::iter(first.map(|b| Ok(Bytes::from(b)))).chain(rest);
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-{}.{}\"",
                kind.as_str(),
                today.format("%Y-%m-%d"),
                format.extension()
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_filter_parameters_nest_and_merge_with_the_json_filter() {
        let filter = filter_of(
            "filter=%7B%22search%22%3A%22ada%22%7D&filter.account.relationshipType=CLIENT&filter.account.complianceIn=BREACHED&filter.account.complianceIn=AT_RISK",
        )
        .expect("a filter");
        assert_eq!(
            filter,
            Some(
                json!({"search": "ada", "account": {"relationshipType": "CLIENT", "complianceIn": ["BREACHED", "AT_RISK"]}})
            )
        );
    }

    #[test]
    fn an_unknown_parameter_or_broken_json_is_named() {
        assert_eq!(filter_of("limit=3").expect_err("refused").field, "limit");
        assert_eq!(
            filter_of("filter=%7B").expect_err("refused").field,
            "filter"
        );
        assert_eq!(filter_of("").expect("no filter"), None);
    }

    #[test]
    fn export_files_are_kind_dot_format() {
        assert_eq!(
            file_name("contacts.csv"),
            Some((ExportKind::Contacts, Format::Csv))
        );
        assert_eq!(
            file_name("credits.jsonl"),
            Some((ExportKind::Credits, Format::JsonLines))
        );
        assert_eq!(file_name("contacts.xlsx"), None);
        assert_eq!(file_name("people.csv"), None);
    }
}
