//! GraphQL multipart requests (the GraphQL multipart request specification): `operations`,
//! `map` and one file, for uploads such as `importRecords`. The body is capped by
//! `http.max_upload_bytes` while it is read, then handed to async-graphql's multipart parser
//! and executed like any POST.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::graphql::{BodyError, Method, error_response, execute, read_capped};
use super::negotiate::ResponseKind;

/// The request's content type when it is `multipart/form-data`.
pub(super) fn multipart_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    value
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
        .then(|| value.to_owned())
}

/// POST /graphql with a multipart body.
pub(super) async fn post(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    kind: ResponseKind,
    content_type: String,
    rid: String,
) -> HttpResponse {
    let max = state.settings.http.max_upload_bytes;
    let body = match read_capped(payload, max).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                kind,
                "BAD_REQUEST",
                &format!("the upload is larger than {max} bytes (http.max_upload_bytes)"),
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
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(max)
        .max_num_files(1);
    let request = match async_graphql::http::receive_body(
        Some(&content_type),
        futures_util::io::Cursor::new(body.freeze().to_vec()),
        options,
    )
    .await
    {
        Ok(request) => request,
        Err(err) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                kind,
                "BAD_REQUEST",
                &format!("not a GraphQL multipart request: {err}"),
                &rid,
            );
        }
    };
    execute(req, state, kind, (request, None), Method::Post, rid).await
}
